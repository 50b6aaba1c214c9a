"""Honest identity: is a greedy divergence a numerical tie or a bug?

Greedy speculative decoding writes exactly plain decoding's tokens in exact arithmetic.
In floating point, the target's verification pass reads K+1 tokens at once, and
multi-token kernels (int4 weights above all) round differently from one-token ones: where
the target's two best tokens nearly tie, the two paths can pick different ones.

At the first divergence the target is asked itself, the way plain decoding asks it: the
prompt in one forward, then the common generated prefix one token at a time, with the raw
OpenVINO runtime on the stateful model. If its two best logits at that position are
closer than the threshold for the precision it computes in (`TIE_MARGINS`: 0.1 in f32,
0.5 in bf16 or f16) and the two sides' tokens are those two, the divergence is a
numerical tie; otherwise the texts differ for a reason (a bug).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

import numpy as np

from app.core.engine.model_folder import runtime_properties

# In logit units, per precision the target computes in. f32: the issue-11 tie (int4
# Qwen2.5-Coder-1.5B, through GenAI's paged-attention path) was 0.004 apart; the raw
# stateful model's one- and multi-token forwards of that target gave equal logits
# (benchmarks/results/real/tie-noise.md); 0.1 is a probability ratio of e^0.1 = 1.105,
# a coin flip for any model. bf16 (CPUs with
# bf16 units default to it) rounds the logits themselves to steps of 0.0625-0.125 at the
# usual magnitudes: the same measurement moved the margin by up to 0.25 and flipped the
# argmax at about 1% of positions, so a tie there is anything below 0.5 (two bf16 steps
# at logit 16-32, twice the largest change measured). f16 (GPUs) has finer steps than
# bf16; it keeps bf16's threshold until measured on a GPU.
TIE_MARGINS = {"f32": 0.1, "bf16": 0.5, "f16": 0.5}
TIE_MARGIN = TIE_MARGINS["f32"]


def tie_threshold(precision: str) -> float:
    """The tie threshold for a target computing in `precision` ("" or unknown: f32's)."""
    return TIE_MARGINS.get(precision, TIE_MARGIN)


class Identity(Enum):
    IDENTICAL = "identical"
    TIE = "tie"
    DIFFERENT = "DIFFERENT"


@dataclass(frozen=True)
class TieCheck:
    """The target's own view of the first divergence."""

    index: int  # position in the generated tokens
    top: tuple[int, int]  # the target's two best token ids there, best first
    margin: float  # logit of the best minus logit of the second
    sides: tuple[int | None, int | None]  # (plain's token, speculative's token)
    threshold: float = TIE_MARGIN
    # The best logit minus the logit of each side's token (None: that side had ended).
    # In bf16 several tokens can share the best logit, so the speculative side's token
    # may be a third one at distance 0: the rule compares each side's distance.
    gaps: tuple[float | None, float | None] = (None, None)

    @property
    def distance(self) -> float:
        """The figure that decides: the larger side's distance from the best logit (the
        top-2 margin when the distances are unknown)."""
        known = [g for g in self.gaps if g is not None]
        return max(known) if known else self.margin

    @property
    def is_tie(self) -> bool:
        if any(g is not None for g in self.gaps):
            return self.distance < self.threshold
        tokens = {t for t in self.sides if t is not None}
        return self.margin < self.threshold and tokens <= set(self.top)

    @property
    def identity(self) -> Identity:
        return Identity.TIE if self.is_tie else Identity.DIFFERENT

    def describe(self) -> str:
        verdict = "numerical tie" if self.is_tie else "DIFFERENT"
        return (f"{verdict} at generated token {self.index}: the two tokens' logits are "
                f"within {self.distance:.4f} of the target's best (top-2 margin "
                f"{self.margin:.4f}; tie below {self.threshold})")


def identity_label(check: TieCheck | None, diverged: bool) -> str:
    """The bench's identity column: "identical", "tie (0.0041)" or "DIFFERENT (2.31)"."""
    if not diverged:
        return Identity.IDENTICAL.value
    if check is None:
        return Identity.DIFFERENT.value
    return f"{check.identity.value} ({check.distance:.4f})"


class TargetProbe:
    """The target's raw stateful model, loaded once, asked for top-2 margins."""

    def __init__(self, target: Path, device: str = "CPU",
                 properties: dict[str, str] | None = None) -> None:
        # Imported here: the raw runtime (openvino) must not load with the window, which
        # imports the bench for the tuner's stored choice (cold start, issue 14).
        from app.core.engine.universal.runner import StatefulModel

        props = {**runtime_properties(target), **(properties or {})}
        self.model = StatefulModel(target, device, props, "target")
        self.threshold = tie_threshold(self.model.precision)

    def logits_after(self, prompt_ids: Sequence[int], generated: Sequence[int]) -> np.ndarray:
        """The target's logits for the token after prompt + generated, computed as plain
        decoding does: one forward over the prompt, then one token at a time."""
        if not prompt_ids:
            raise ValueError("the prompt must have at least one token")
        self.model.reset()
        logits = self.model.forward(list(prompt_ids), rows=1)[-1]
        for token in generated:
            logits = self.model.forward([int(token)])[-1]
        return logits

    def check(self, prompt_ids: Sequence[int], plain: Sequence[int],
              speculative: Sequence[int], index: int,
              threshold: float | None = None) -> TieCheck:
        """The top-2 margin at generated position `index`, where the sides first differ;
        a tie below `threshold` (default: the one for the precision the target runs in)."""
        logits = self.logits_after(prompt_ids, plain[:index])
        second, best = (int(i) for i in np.argpartition(logits, -2)[-2:])
        if logits[second] > logits[best]:
            best, second = second, best
        sides = (int(plain[index]) if index < len(plain) else None,
                 int(speculative[index]) if index < len(speculative) else None)
        gaps = tuple(None if t is None else float(logits[best] - logits[t]) for t in sides)
        return TieCheck(index, (best, second), float(logits[best] - logits[second]),
                        sides, self.threshold if threshold is None else threshold,
                        (gaps[0], gaps[1]))

    def close(self) -> None:
        self.model = None  # type: ignore[assignment]
