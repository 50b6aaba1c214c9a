"""The tuner: measure K from 1 to 8 and a few confidence thresholds against plain decoding,
keep the fastest, and store the choice per pair and devices. When nothing beats plain by a
clear margin, the choice is plain: the worst case is never slower.

`stored_choice()` is what the chat window's "auto" mode reads (no Qt here).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from app.core.bench.runner import compare
from app.core.bench.tuning_store import load_choice, save_choice
from app.core.engine import GenerationRequest, Mode, PairSpec, load_session

CALIBRATION_PROMPTS = ("Write a Python function to add two numbers.",
                       "Tell me about speculative decoding.")
# Speculation must beat plain by this factor to be chosen: timing noise on a busy machine
# must not turn into a setting that is really slower.
MARGIN = 1.05


@dataclass(frozen=True)
class Trial:
    k: int | None
    confidence: float | None
    speedup: float  # geometric mean over the calibration prompts
    acceptance: float | None
    identical: bool  # same greedy text, or different only at numerical ties
    slowest_round: float = 0.0  # the lowest per-round ratio over all prompts
    tie_margins: tuple[float, ...] = ()  # the target's top-2 margin at each tie


    @property
    def label(self) -> str:
        return f"K={self.k}" if self.k is not None else f"confidence {self.confidence}"


@dataclass(frozen=True)
class TunedChoice:
    pair_id: str
    device: str
    draft_device: str
    mode: str  # "plain" or "draft"
    k: int | None = None
    confidence: float | None = None
    speedup: float = 1.0  # of the chosen setting over plain (1.0 for plain)
    best_trial: str = ""  # the fastest speculative setting, even when plain was chosen
    best_trial_speedup: float = 0.0
    measured_at: str = ""

    @property
    def uses_draft(self) -> bool:
        return self.mode == Mode.DRAFT.value

    def apply(self, request: GenerationRequest) -> GenerationRequest:
        """The request with the tuned K or threshold (unchanged for plain)."""
        from dataclasses import replace

        if not self.uses_draft:
            return replace(request, num_assistant_tokens=None, confidence_threshold=None)
        return replace(request, num_assistant_tokens=self.k,
                       confidence_threshold=self.confidence)

    def describe(self) -> str:
        if self.uses_draft:
            return f"{self.best_trial}: {self.speedup:.2f}× faster than plain decoding"
        if self.best_trial:
            return (f"plain decoding: no setting beat it (best was {self.best_trial} at "
                    f"{self.best_trial_speedup:.2f}×)")
        return "plain decoding"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class TuningResult:
    choice: TunedChoice
    trials: list[Trial] = field(default_factory=list)


def choose(trials: Sequence[Trial], margin: float = MARGIN) -> Trial | None:
    """The fastest trial that keeps greedy text identical, beats plain by `margin` and was
    faster than plain in every timed round."""
    valid = [t for t in trials if t.identical and t.speedup > margin and t.slowest_round > 1.0]
    return max(valid, key=lambda t: t.speedup) if valid else None


def calibrate(spec: PairSpec, pair_id: str, *, k_values: Sequence[int] = range(1, 9),
              thresholds: Sequence[float] = (0.3, 0.5, 0.7),
              prompts: Sequence[str] = CALIBRATION_PROMPTS, new_tokens: int = 64,
              repeats: int = 2, margin: float = MARGIN,
              on_trial: Callable[[Trial], None] | None = None) -> TuningResult:
    if spec.draft is None:
        raise ValueError("tuning needs a pair with a draft")
    plain = load_session(PairSpec(spec.target, None, spec.device, None, Mode.PLAIN, spec.name))
    speculative = load_session(spec)
    trials: list[Trial] = []
    try:
        settings = [(k, None) for k in k_values] + [(None, t) for t in thresholds]
        for index, (k, threshold) in enumerate(settings):
            ratios: list[float] = []
            rounds: list[float] = []
            drafted = accepted = 0
            identical = True
            ties: list[float] = []
            for prompt in prompts:
                base = GenerationRequest.chat(prompt, max_new_tokens=new_tokens)
                cand = GenerationRequest.chat(prompt, max_new_tokens=new_tokens,
                                              num_assistant_tokens=k,
                                              confidence_threshold=threshold)
                # Warm both pipelines up once; later settings reuse compiled kernels.
                result = compare(plain, speculative, base, cand, repeats=repeats,
                                 warmup=1 if index == 0 else 0)
                ratios.append(result.speedup)
                rounds.extend(result.pair_ratios)
                # A difference at a numerical tie (tie_margin.py) is not a failure.
                identical = identical and bool(result.same_text)
                if result.tie is not None and result.tie.is_tie:
                    ties.append(result.tie.margin)
                drafted += sum(s.drafted_tokens or 0 for s in result.candidate)
                accepted += sum(s.accepted_tokens or 0 for s in result.candidate)
            trial = Trial(k, threshold, math.exp(sum(math.log(r) for r in ratios) / len(ratios)),
                          accepted / drafted if drafted else None, identical,
                          min(rounds, default=0.0), tuple(ties))
            trials.append(trial)
            if on_trial is not None:
                on_trial(trial)
    finally:
        plain.close()
        speculative.close()
    best = max(trials, key=lambda t: t.speedup)
    chosen = choose(trials, margin)
    choice = TunedChoice(
        pair_id=pair_id, device=spec.device, draft_device=spec.resolved_draft_device,
        mode=Mode.DRAFT.value if chosen else Mode.PLAIN.value,
        k=chosen.k if chosen else None, confidence=chosen.confidence if chosen else None,
        speedup=chosen.speedup if chosen else 1.0, best_trial=best.label,
        best_trial_speedup=best.speedup, measured_at=datetime.now(UTC).isoformat())
    return TuningResult(choice, trials)


def tune(spec: PairSpec, pair_id: str, **kwargs: Any) -> TuningResult:
    """Calibrate and store the choice for this pair and devices."""
    result = calibrate(spec, pair_id, **kwargs)
    save_choice(result.choice.to_dict())
    return result


def stored_choice(pair_id: str, device: str = "CPU",
                  draft_device: str | None = None) -> TunedChoice | None:
    """The stored choice for a pair on these devices, or None if it was never tuned."""
    data = load_choice(pair_id, device, draft_device or device)
    if data is None:
        return None
    known = set(TunedChoice.__dataclass_fields__)
    return TunedChoice(**{k: v for k, v in data.items() if k in known})
