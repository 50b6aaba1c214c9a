"""Verify candidate tokens against one target pass: greedy, or sampling without loss.

Greedy: accept candidates while each equals the target's argmax at its position, then
add the target's argmax after the last accepted one. The output is plain greedy decoding
by construction: every committed token is the target's argmax given the tokens before it.

Sampling (the draft proposes tokens, not a distribution over the target's vocabulary, so
the usual ratio test has nothing to divide by). Let p be the target's distribution at a
position after temperature, top-k and top-p, and x the candidate there. x is fixed
before that position's random draw: here it is a deterministic function of the committed
tokens (greedy drafting from the committed text, deterministic translation), though
anything known before the draw would do. Accept x with probability p(x). On rejection,
sample y from p with x removed and renormalised, p(y) / (1 - p(x)) for y != x, and end
the step. Then for any token y at that position, given everything before it:

    P(y = x) = p(x)                                   (accepted)
    P(y != x) = (1 - p(x)) * p(y) / (1 - p(x)) = p(y)  (rejected, then resampled)

so the committed token has exactly distribution p. (If p(x) = 1 the candidate is always
accepted; if p(x) = 0 it never is.) After an acceptance the context is the one plain
sampling would have had after drawing x, and the next candidate was fixed before its own
draw, so by induction over positions the committed sequence is distributed exactly as
plain sampling draws it, whatever the draft or its vocabulary. When every candidate is
accepted, the extra token is drawn from p at the next position directly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Sampling:
    temperature: float = 1.0
    top_p: float = 1.0
    top_k: int = 0

    def probabilities(self, logits: np.ndarray) -> np.ndarray:
        """The distribution plain sampling draws from, as float64 summing to 1."""
        scaled = logits.astype(np.float64) / self.temperature
        if 0 < self.top_k < scaled.size:
            threshold = np.partition(scaled, -self.top_k)[-self.top_k]
            scaled = np.where(scaled >= threshold, scaled, -np.inf)
        scaled -= scaled.max()
        probs = np.exp(scaled)
        probs /= probs.sum()
        if self.top_p < 1.0:
            order = np.argsort(-probs, kind="stable")
            cumulative = np.cumsum(probs[order])
            # Keep the smallest prefix whose mass reaches top_p (always at least one token).
            cut = int(np.searchsorted(cumulative, self.top_p)) + 1
            kept = np.zeros_like(probs)
            kept[order[:cut]] = probs[order[:cut]]
            probs = kept / kept.sum()
        return probs


def verify_greedy(logits: np.ndarray, candidates: Sequence[int]) -> tuple[int, int]:
    """(accepted candidates, the target's next token) from logits [len(candidates)+1, V]."""
    choices = np.argmax(logits, axis=-1)
    accepted = 0
    while accepted < len(candidates) and int(choices[accepted]) == candidates[accepted]:
        accepted += 1
    return accepted, int(choices[accepted])


def verify_sampled(logits: np.ndarray, candidates: Sequence[int], sampling: Sampling,
                   rng: np.random.Generator) -> tuple[int, int]:
    """Lossless acceptance of deterministic candidates (see the module's proof)."""
    for position, candidate in enumerate(candidates):
        probs = sampling.probabilities(logits[position])
        chance = float(probs[candidate])
        if rng.random() < chance:
            continue
        residual = probs.copy()
        residual[candidate] = 0.0
        total = residual.sum()
        if total <= 0:  # p(x) was 1 up to rounding: nothing else can be drawn
            continue
        return position, sample(residual / total, rng)
    return len(candidates), sample(sampling.probabilities(logits[len(candidates)]), rng)


def sample(probs: np.ndarray, rng: np.random.Generator) -> int:
    cumulative = np.cumsum(probs)
    index = int(np.searchsorted(cumulative, rng.random() * cumulative[-1], side="right"))
    return min(index, probs.size - 1)
