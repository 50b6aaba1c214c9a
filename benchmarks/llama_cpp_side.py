"""llama.cpp as a setting of `strategy_bench`: a llama-server on the same GGUF files,
answering the same chat prompts in the same interleaved rounds as Tandem's settings.

Each setting keeps its own server running for the whole run (plain on one port, the draft
on another), so a round pays no start-up. Cost is wall time per generated token around
the HTTP request, prompt processing included, as for Tandem's settings. llama.cpp's
token ids are not Tandem's, so identity is judged on text against llama.cpp's own plain
answer, without the tie probe.

On a CPU with AMX, this llama.cpp's AMX matrix kernel (`ggml_backend_amx_mul_mat`, used
for weights repacked into its extra buffer type) can crash the server with SIGSEGV at the
first decode (seen here on a 2-core Xeon that reports amx_bf16/amx_int8). The side then
starts the server again with `--no-repack` (at start, or once mid-run) and says so in
`note`, which the report prints; the crash is intermittent here, so a run may have both.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from typing import Any

from app.core.engine import GenerationRequest
from benchmarks.llama_cpp_build import locate
from benchmarks.llama_cpp_peer import DRAFT, TARGET, gguf
from benchmarks.llama_cpp_server import LlamaServer, ServerConfig

PLAIN_PORT = 8093
DRAFT_PORT = 8094


@dataclass
class LlamaStats:
    """The RunStats fields strategy_bench reads."""
    wall_time_s: float
    generated_tokens: int
    acceptance_rate: float | None
    block_efficiency: float
    mode: str = "llama.cpp"  # what ran (the CSV's `ran` column)
    num_assistant_tokens: int | None = None


@dataclass
class LlamaResult:
    text: str
    stats: LlamaStats
    token_ids: tuple[int, ...] = ()  # llama.cpp's ids: not comparable with Tandem's
    library: dict[str, Any] = field(default_factory=dict)


class LlamaSide:
    """One llama-server (plain, or with the 0.5B draft at `draft_max`), session-like."""

    def __init__(self, draft_max: int | None, threads: int = 2) -> None:
        binary = locate().binary("llama-server")
        config = ServerConfig(binary, gguf(TARGET), gguf(DRAFT) if draft_max else None,
                              draft_max or 3, threads,
                              DRAFT_PORT if draft_max else PLAIN_PORT)
        self.draft_max = draft_max
        self.mode = "llama.cpp draft" if draft_max else "llama.cpp plain"
        self.note = ""
        try:
            self.server = self._started(config)
        except (RuntimeError, OSError) as crashed:
            self._without_repack(config, f"at start: {crashed}")

    def _without_repack(self, config: ServerConfig, why: str) -> None:
        """Start again with --no-repack (the AMX kernel is not used then), and say so."""
        self.server = self._started(replace(config, no_repack=True))
        self.note = f"{config.label} ran with --no-repack after a crash ({why})"
        print(f"llama.cpp {self.note}", flush=True)

    @staticmethod
    def _started(config: ServerConfig) -> LlamaServer:
        """A running server that has answered once (the warm-up; a crash shows here)."""
        server = LlamaServer(config)
        server.start()
        try:
            server.chat("Say hello.", 8)
        except OSError as failed:  # the process died mid-request
            server.stop()
            raise RuntimeError(f"llama-server failed its warm-up: {failed}") from failed
        return server

    def generate(self, request: GenerationRequest) -> LlamaResult:
        prompt = next(m.content for m in reversed(request.messages) if m.role == "user")
        started = time.perf_counter()
        try:
            reply = self.server.chat(prompt, request.max_new_tokens)
        except OSError as failed:  # the server died mid-answer: once, without repacking
            if self.server.config.no_repack:
                raise
            self.server.stop()
            self._without_repack(self.server.config, f"mid-run: {failed}")
            started = time.perf_counter()
            reply = self.server.chat(prompt, request.max_new_tokens)
        wall = time.perf_counter() - started
        timings = reply.get("timings", {})
        tokens = int(reply["usage"]["completion_tokens"])
        drafted = int(timings.get("draft_n") or 0)
        accepted = int(timings.get("draft_n_accepted") or 0)
        passes = max(1, tokens - accepted)  # each target pass adds its accepted + 1
        return LlamaResult(reply["choices"][0]["message"]["content"],
                           LlamaStats(wall, tokens, accepted / drafted if drafted else None,
                                      tokens / passes, self.mode, self.draft_max))

    def close(self) -> None:
        self.server.stop()
