"""RunStats for a remote run, from what the stream and the server reported.

Token counts prefer the server's usage; without one, each streamed chunk counts as a
token (what TGI sends, and what most OpenAI-compatible servers send). Acceptance comes
only from a server report (see `acceptance.py`); without one the figures stay None.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from app.core.engine.remote.acceptance import (
    NOT_REPORTED,
    SOURCE_TANDEM,
    SOURCE_VLLM_METRICS_APPROX,
    Acceptance,
)
from app.core.engine.remote.stream_state import StreamState
from app.core.engine.types import FinishReason, RunStats, StepEvent

REMOTE_MODE = "remote"


@dataclass(frozen=True)
class RemoteTiming:
    submitted: float
    finished: float


def build_remote_stats(*, host: str, steps: Sequence[StepEvent], chunk_tokens: Sequence[int],
                       state: StreamState, timing: RemoteTiming, finish: FinishReason,
                       acceptance: Acceptance | None) -> RunStats:
    visible = [e for e in steps if e.text or e.token_ids]
    streamed = sum(chunk_tokens)
    generated = state.completion_tokens if state.completion_tokens is not None else streamed
    if visible:
        first, last = visible[0].timestamp, visible[-1].timestamp
        ttft_ms = (first - timing.submitted) * 1000
        tpot_ms = (last - first) * 1000 / (generated - 1) if generated > 1 else 0.0
    else:
        ttft_ms = tpot_ms = 0.0
    server = state.server_stats
    steps_n = _target_steps(server, len(visible), generated, acceptance)
    histogram: dict[int, int] = {}
    if isinstance(server.get("accepted_histogram"), dict):
        histogram = {int(k): int(v) for k, v in server["accepted_histogram"].items()}
    elif acceptance is not None and acceptance.source.startswith("tandem"):
        histogram = dict(sorted(Counter(e.draft_tokens for e in visible[1:]).items()))
    drafted = acceptance.drafted if acceptance else None
    accepted = acceptance.accepted if acceptance else None
    return RunStats(
        mode=REMOTE_MODE, device=host, draft_device=None, load_time_s=0.0,
        input_tokens=state.prompt_tokens or 0, generated_tokens=generated,
        ttft_ms=ttft_ms, tpot_ms=tpot_ms,
        throughput_tps=1000.0 / tpot_ms if tpot_ms > 0 else 0.0,
        wall_time_s=timing.finished - timing.submitted, target_steps=steps_n,
        drafted_tokens=drafted, accepted_tokens=accepted,
        rejected_tokens=drafted - accepted if drafted is not None and accepted is not None
        else None,
        acceptance_rate=acceptance.rate if acceptance else None,
        block_efficiency=generated / steps_n if steps_n else 0.0,
        accepted_histogram=histogram, finish_reason=finish.value,
        num_assistant_tokens=_opt_int(server.get("num_assistant_tokens")),
        acceptance_source=acceptance.source if acceptance else NOT_REPORTED,
    )


def _target_steps(server: dict[str, object], chunks: int, generated: int,
                  acceptance: Acceptance | None) -> int:
    """A Tandem server says how many target steps it ran. Other draft-and-verify servers
    (llama.cpp, vLLM) stream one chunk per token, so chunks are not steps there; but each
    target step yields its accepted draft tokens plus one token of its own, so the steps
    are the generated tokens minus the accepted ones (not from an approximate report)."""
    reported = server.get("target_steps")
    if isinstance(reported, int) and reported > 0:
        return reported
    if acceptance is not None and acceptance.accepted is not None \
            and acceptance.source not in (SOURCE_TANDEM, SOURCE_VLLM_METRICS_APPROX) \
            and 0 <= acceptance.accepted < generated:
        return generated - acceptance.accepted
    return chunks


def _opt_int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
