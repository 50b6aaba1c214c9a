"""Start a llama.cpp server (plain, or with a draft model) on 127.0.0.1 and talk to it."""

from __future__ import annotations

import json
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class ServerConfig:
    binary: Path
    target: Path
    draft: Path | None = None
    draft_max: int = 3  # --spec-draft-n-max (the version built here removed --draft-max)
    threads: int = 2
    port: int = 8090
    context: int = 2048
    no_repack: bool = False  # -nr: no extra buffer types (AMX crashed on the machine used)

    @property
    def label(self) -> str:
        return f"draft-max {self.draft_max}" if self.draft else "plain"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        command = [str(self.binary), "-m", str(self.target), "-t", str(self.threads),
                   "-tb", str(self.threads), "-c", str(self.context), "-np", "1",
                   "--host", "127.0.0.1", "--port", str(self.port), "--metrics"]
        if self.no_repack:
            command.append("--no-repack")
        if self.draft is not None:
            # This llama.cpp loads a draft with -md but drafts only with --spec-type.
            command += ["-md", str(self.draft), "--spec-type", "draft-simple",
                        "-td", str(self.threads), "-tbd", str(self.threads),
                        "--spec-draft-n-max", str(self.draft_max)]
        return command


class LlamaServer:
    """One llama-server process; `with LlamaServer(config) as server:` waits until ready."""

    def __init__(self, config: ServerConfig, log: Path | None = None) -> None:
        self.config = config
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> LlamaServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self, timeout_s: float = 300.0) -> None:
        sink = self.log.open("ab") if self.log else subprocess.DEVNULL
        self.process = subprocess.Popen(self.config.command(), stdout=sink,
                                        stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"llama-server exited with {self.process.returncode}; "
                                   f"see {self.log or 'its output'}.")
            try:
                with urllib.request.urlopen(self.config.url + "/health", timeout=2) as r:
                    if r.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.5)
        self.stop()
        raise RuntimeError(f"llama-server did not become ready in {timeout_s:.0f} s.")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        self.process = None

    def chat(self, prompt: str, max_tokens: int) -> dict[str, Any]:
        """One greedy, non-streamed chat completion (the reply includes `timings`)."""
        body = json.dumps({"messages": [{"role": "user", "content": prompt}],
                           "max_tokens": max_tokens, "temperature": 0.0,
                           "cache_prompt": False}).encode()
        request = urllib.request.Request(self.config.url + "/v1/chat/completions", data=body,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=600) as response:
            reply: dict[str, Any] = json.loads(response.read())
        return reply
