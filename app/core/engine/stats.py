"""Build RunStats from what a run observed: its step events, timings and draft accounting.

Counting rule for drafted tokens (checked against the draft model's own inference count):
with a fixed K, each target step after the prefill drafts min(K, remaining - 1) tokens,
where `remaining` is max_new_tokens minus the tokens produced before the step; the target
then adds one token of its own. GenAI's `extended_perf_metrics` leaves the final step out
of its accepted and drafted counts, so Tandem counts from the bursts and uses the library
only where it alone knows (drafted tokens under a confidence threshold, model timings).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from app.core.engine.types import FinishReason, Mode, RunStats, StepEvent


@dataclass(frozen=True)
class Timing:
    submitted: float
    finished: float
    load_time_s: float


def fixed_k_drafted(steps: Sequence[StepEvent], k: int, max_new_tokens: int) -> int:
    drafted = 0
    produced = 0
    for event in steps:
        if not event.token_ids:
            continue
        if event.index > 0:
            drafted += max(0, min(k, max_new_tokens - produced - 1))
        produced += len(event.token_ids)
    return drafted


def build_stats(
    *, mode: Mode, device: str, draft_device: str | None, steps: Sequence[StepEvent],
    timing: Timing, input_tokens: int, finish: FinishReason, k: int | None,
    confidence: float | None, max_new_tokens: int, library_drafted: int | None = None,
    draft_time_ms: float | None = None, target_time_ms: float | None = None,
) -> RunStats:
    token_steps = [e for e in steps if e.token_ids]
    generated = sum(len(e.token_ids) for e in token_steps)
    accepted_per_step = [e.draft_tokens for e in token_steps[1:]]
    if token_steps:
        first = token_steps[0].timestamp
        last = token_steps[-1].timestamp
        ttft_ms = (first - timing.submitted) * 1000
        tpot_ms = (last - first) * 1000 / (generated - 1) if generated > 1 else 0.0
    else:
        ttft_ms = tpot_ms = 0.0
    throughput = 1000.0 / tpot_ms if tpot_ms > 0 else 0.0
    drafted: int | None = None
    accepted: int | None = None
    source: str | None = None
    if mode is not Mode.PLAIN:
        accepted = sum(accepted_per_step)
        if mode is Mode.DRAFT and k is not None:
            drafted = fixed_k_drafted(token_steps, k, max_new_tokens)
        elif mode is Mode.DRAFT and library_drafted is not None:
            # The library omits the final step; that step drafted at least what it accepted.
            last = accepted_per_step[-1] if accepted_per_step else 0
            drafted = max(library_drafted + last, accepted)
            source = "approximate: the final step's drafted count is estimated"
    rejected = drafted - accepted if drafted is not None and accepted is not None else None
    rate = accepted / drafted if drafted and accepted is not None else None
    steps_n = len(token_steps)
    return RunStats(
        mode=mode.value, device=device,
        draft_device=draft_device if mode is Mode.DRAFT else None,
        load_time_s=timing.load_time_s, input_tokens=input_tokens,
        generated_tokens=generated, ttft_ms=ttft_ms, tpot_ms=tpot_ms,
        throughput_tps=throughput, wall_time_s=timing.finished - timing.submitted,
        target_steps=steps_n, drafted_tokens=drafted, accepted_tokens=accepted,
        rejected_tokens=rejected, acceptance_rate=rate,
        block_efficiency=generated / steps_n if steps_n else 0.0,
        accepted_histogram=dict(sorted(Counter(accepted_per_step).items()))
        if mode is not Mode.PLAIN else {},
        draft_time_ms=draft_time_ms, target_time_ms=target_time_ms,
        finish_reason=finish.value, num_assistant_tokens=k, confidence_threshold=confidence,
        acceptance_source=source,
    )
