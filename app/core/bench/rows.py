"""One table row per side of a comparison, with the bound next to the measured speedup."""

from __future__ import annotations

import statistics
from dataclasses import asdict, dataclass
from typing import Any

from app.core.bench.bound import speedup_from_tokens_per_step
from app.core.bench.costs import PairCosts
from app.core.bench.runner import Comparison
from app.core.engine.types import RunStats


@dataclass(frozen=True)
class BenchRow:
    example: int
    section: str  # "matrix", "K sweep" or "confidence sweep"
    prompt: str
    prompt_tokens: int
    new_tokens: int
    decoding: str  # "greedy" or "sample"
    mode: str  # "plain", "K=3" or "conf 0.5"
    total_time_s: float  # medians over the timed runs
    prefill_ms: float
    tpot_ms: float
    tokens_per_s: float
    acceptance: float | None = None
    block_efficiency: float | None = None
    speedup: float | None = None
    spread: float | None = None  # standard deviation of the per-round ratios
    k: float | None = None  # K, or mean drafted tokens per step under a threshold
    tokens_per_step: float | None = None  # per decode step (the prefill step left out)
    c: float | None = None
    v: float | None = None  # v(K+1)
    bound: float | None = None  # tokens-per-step / (K*c + v(K+1)), raw-runtime costs
    pipeline_bound: float | None = None  # the same with costs seen inside the pipeline
    identical: bool | None = None  # token for token; None when sampling
    divergence: str = ""
    # "identical", "tie (margin)" or "DIFFERENT (margin)": the target's own top-2 logit
    # margin at the first divergence decides (tie_margin.py); "sampled" when sampling.
    identity: str = ""

    @property
    def failed(self) -> bool:
        """A greedy difference that is not a numerical tie: a bug."""
        return self.identical is False and not self.identity.startswith("tie")

    @property
    def efficiency(self) -> float | None:
        """Measured speedup / bound."""
        if self.speedup is None or not self.bound:
            return None
        return self.speedup / self.bound

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "speedup_over_bound": self.efficiency}


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else 0.0


def _timings(runs: list[RunStats]) -> tuple[float, float, float, float]:
    """Median total time, prefill, time per token and tokens/s."""
    return (_median([s.wall_time_s for s in runs]), _median([s.ttft_ms for s in runs]),
            _median([s.tpot_ms for s in runs]), _median([s.throughput_tps for s in runs]))


def plain_row(example: int, section: str, prompt: str, prompt_tokens: int, new_tokens: int,
              decoding: str, comparison: Comparison) -> BenchRow:
    return BenchRow(example, section, prompt, prompt_tokens, new_tokens, decoding, "plain",
                    *_timings(comparison.baseline))


def decode_steps(stats: RunStats) -> tuple[float, float]:
    """(tokens per decode step, drafted tokens per decode step), the prefill step left out."""
    steps = max(1, stats.target_steps - 1)
    return (stats.generated_tokens - 1) / steps, (stats.drafted_tokens or 0) / steps


def speculative_row(example: int, section: str, prompt: str, prompt_tokens: int,
                    new_tokens: int, decoding: str, comparison: Comparison,
                    costs: PairCosts) -> BenchRow:
    runs = comparison.candidate
    first = runs[0]
    drafted = sum(s.drafted_tokens or 0 for s in runs)
    accepted = sum(s.accepted_tokens or 0 for s in runs)
    tau = _median([decode_steps(s)[0] for s in runs])
    if first.num_assistant_tokens is not None:
        k: float = first.num_assistant_tokens
        mode = f"K={first.num_assistant_tokens}"
    else:
        k = _median([decode_steps(s)[1] for s in runs])
        mode = f"conf {first.confidence_threshold}"
    v = costs.verify(k + 1)
    bound = speedup_from_tokens_per_step(tau, k, costs.c, v)
    plain_tpot = _median([s.tpot_ms for s in comparison.baseline])
    pipeline_bound = None
    step_ms = [r.result.library.get("target_step_ms") for r in comparison.timed("B")]
    draft_ms = [r.result.library.get("draft_forward_ms") for r in comparison.timed("B")]
    if plain_tpot > 0 and all(step_ms) and all(draft_ms):
        c_pipe = _median([float(x) for x in draft_ms if x]) / plain_tpot
        v_pipe = _median([float(x) for x in step_ms if x]) / plain_tpot
        pipeline_bound = speedup_from_tokens_per_step(tau, k, c_pipe, v_pipe)
    divergence = comparison.divergence
    detail = divergence.describe() if divergence else ""
    if comparison.tie is not None:
        detail += f"; {comparison.tie.describe()}"
    return BenchRow(
        example, section, prompt, prompt_tokens, new_tokens, decoding, mode,
        *_timings(runs), acceptance=accepted / drafted if drafted else None,
        block_efficiency=_median([s.block_efficiency for s in runs]),
        speedup=comparison.speedup, spread=comparison.spread, k=k, tokens_per_step=tau,
        c=costs.c, v=v,
        bound=bound, pipeline_bound=pipeline_bound, identical=comparison.identical,
        divergence=detail, identity=comparison.identity)
