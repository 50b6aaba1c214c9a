"""Tandem's remote client against answers recorded from a real llama.cpp server.

The recordings (recordings/*.json) are the `data:` payloads that `llama-server` (the
llama.cpp vendored by llama-cpp-python 0.3.36) streamed to Tandem's own request, with the
Qwen2.5-Coder 1.5B Q4_K_M target, with and without the 0.5B draft
(`--spec-draft-n-max 3`); see benchmarks/README.md, "Peer: llama.cpp".
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest

from app.core.engine import GenerationRequest
from app.core.engine.remote import Endpoint, RemoteSession, acceptance
from tests.fixtures.recorded_server import RecordedServer

RECORDINGS = Path(__file__).parent / "recordings"


def _final(server: RecordedServer) -> dict[str, Any]:
    """The recorded last chunk: llama.cpp puts `timings` beside the usage."""
    chunks = [json.loads(e) for e in server.recording["events"] if e.strip() != "[DONE]"]
    return chunks[-1]


def _text(server: RecordedServer) -> str:
    parts = []
    for event in server.recording["events"]:
        if event.strip() == "[DONE]":
            continue
        for choice in json.loads(event).get("choices") or []:
            parts.append((choice.get("delta") or {}).get("content") or "")
    return "".join(parts)


@pytest.fixture
def speculative() -> Iterator[RecordedServer]:
    server = RecordedServer(RECORDINGS / "llama_cpp_draft.json").start()
    yield server
    server.close()


@pytest.fixture
def plain() -> Iterator[RecordedServer]:
    server = RecordedServer(RECORDINGS / "llama_cpp_plain.json").start()
    yield server
    server.close()


def test_acceptance_from_a_real_llama_cpp_stream(speculative: RecordedServer) -> None:
    final = _final(speculative)
    timings, usage = final["timings"], final["usage"]
    with RemoteSession(Endpoint(speculative.url)) as session:
        assert session.kind == "llama.cpp"  # /v1/models says owned_by "llamacpp"
        result = session.generate(GenerationRequest.chat("Hi", max_new_tokens=24))
    stats = result.stats
    assert result.text == _text(speculative)
    assert stats.acceptance_source == acceptance.SOURCE_LLAMA_CPP
    assert (stats.drafted_tokens, stats.accepted_tokens) == (timings["draft_n"],
                                                           timings["draft_n_accepted"])
    assert stats.acceptance_rate == pytest.approx(timings["draft_n_accepted"]
                                                  / timings["draft_n"])
    assert stats.generated_tokens == usage["completion_tokens"]
    # llama.cpp streams one chunk per token, drafted or not: the target's steps are the
    # tokens it did not take from the draft, not the chunks.
    assert stats.target_steps == usage["completion_tokens"] - timings["draft_n_accepted"]
    assert stats.block_efficiency > 1.0
    summary = stats.summary()
    assert f"{stats.acceptance_rate * 100:.0f}% of draft tokens accepted" in summary
    assert f"{stats.block_efficiency:.1f} tokens per target step" in summary


def test_a_plain_llama_cpp_server_reports_no_acceptance(plain: RecordedServer) -> None:
    final = _final(plain)
    assert "draft_n" not in final["timings"]  # llama.cpp leaves it out when nothing drafted
    with RemoteSession(Endpoint(plain.url)) as session:
        stats = session.generate(GenerationRequest.chat("Hi", max_new_tokens=24)).stats
    assert stats.drafted_tokens is None and stats.acceptance_rate is None
    assert stats.generated_tokens == final["usage"]["completion_tokens"]
    assert stats.target_steps == stats.generated_tokens


def test_race_timeline_counts_a_real_llama_cpp_stream(speculative: RecordedServer) -> None:
    from app.core.bench.race import timeline

    with RemoteSession(Endpoint(speculative.url)) as session:
        result = session.generate(GenerationRequest.chat("Hi", max_new_tokens=24))
    points = timeline(result)
    # No token ids in llama.cpp's chunks: each text chunk is a token on the race's chart.
    assert points[-1][1] == sum(1 for e in result.steps if e.text) > 1
    assert all(b[0] >= a[0] and b[1] > a[1] for a, b in pairwise(points))
