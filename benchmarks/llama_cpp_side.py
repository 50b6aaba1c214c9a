"""llama.cpp as a setting of `strategy_bench`: a llama-server on the same GGUF files,
answering the same chat prompts in the same interleaved rounds as Tandem's settings.

Each setting keeps its own server running for the whole run (plain on one port, the draft
on another), so a round pays no start-up. Cost is wall time per generated token around
the HTTP request, prompt processing included, as for Tandem's settings. llama.cpp's
token ids are not Tandem's, so identity is judged on text against llama.cpp's own plain
answer, without the tie probe.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
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
        self.server = LlamaServer(config)
        self.server.start()
        self.server.chat("Say hello.", 8)  # warm-up

    def generate(self, request: GenerationRequest) -> LlamaResult:
        prompt = next(m.content for m in reversed(request.messages) if m.role == "user")
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
                                      tokens / passes))

    def close(self) -> None:
        self.server.stop()
