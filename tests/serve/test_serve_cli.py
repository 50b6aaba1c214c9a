"""`tandem serve` in one process, `tandem generate --endpoint` in another: a streamed chat."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time

from app.cli import main
from app.core.engine import GenerationRequest

PROMPT = "Write a Python function to add two numbers."


def test_generate_against_a_served_tandem(capsys, draft_session):
    server = subprocess.Popen([sys.executable, "-m", "app", "serve", "--port", "0"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        url = None
        deadline = time.monotonic() + 90
        assert server.stdout is not None
        while url is None and time.monotonic() < deadline:
            line = server.stdout.readline()
            if not line:
                break
            found = re.search(r"(http://127\.0\.0\.1:\d+)/v1", line)
            url = found.group(1) if found else None
        assert url, "tandem serve did not report its address"
        code = main(["generate", "--endpoint", url, "--json", "--max-new-tokens", "40",
                     PROMPT])
        assert code == 0
        out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
        local = draft_session.generate(GenerationRequest.chat(PROMPT, max_new_tokens=40))
        assert out["text"] == local.text
        assert out["server"] == "tandem" and out["mode"] == "remote"
        assert out["accepted_tokens"] == local.stats.accepted_tokens
        assert out["generated_tokens"] == local.stats.generated_tokens
        assert out["ttft_ms"] > 0 and out["acceptance_source"] == "tandem server"
    finally:
        server.terminate()  # uvicorn shuts down, then re-raises SIGTERM (its documented way)
        try:
            server.wait(15)
        except subprocess.TimeoutExpired:
            server.kill()
            raise


def test_serve_refuses_an_open_address_without_flag_and_key(capsys, monkeypatch):
    monkeypatch.delenv("TANDEM_SERVE_API_KEY", raising=False)
    assert main(["serve", "--host", "0.0.0.0", "--port", "0"]) == 2
    assert "--allow-remote" in capsys.readouterr().err


def test_generate_endpoint_down_is_a_clear_error(capsys):
    assert main(["generate", "--endpoint", "http://127.0.0.1:9", "Hi"]) == 2
    assert "Could not connect to http://127.0.0.1:9" in capsys.readouterr().err
