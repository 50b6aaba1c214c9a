"""The analytic speedup bound of speculative decoding, with a measured verification cost.

Leviathan et al. 2023 (arXiv 2211.17192): with per-token acceptance alpha and K drafted
tokens per step, a target step yields (1 - alpha^(K+1)) / (1 - alpha) tokens on average.
The paper divides that by (K*c + 1), c being the draft's step time over the target's, on
the assumption that verifying K+1 tokens costs one target step. On a CPU that is often
false, so Tandem uses the refined bound tokens-per-step / (K*c + v(K+1)), where
v(n) = time to verify n tokens / time for 1 token (design.md, "Numbers").
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass


def expected_tokens_per_step(alpha: float, k: float) -> float:
    """Expected tokens a target step yields (accepted draft tokens plus the target's own)."""
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f"acceptance must be within [0, 1], got {alpha}")
    if k < 0:
        raise ValueError(f"K must not be negative, got {k}")
    if alpha >= 1.0:
        return k + 1.0
    return (1.0 - alpha ** (k + 1.0)) / (1.0 - alpha)


def paper_bound(alpha: float, k: float, c: float) -> float:
    """The paper's speedup: verification of K+1 tokens assumed to cost one target step."""
    return expected_tokens_per_step(alpha, k) / (k * c + 1.0)


def refined_bound(alpha: float, k: float, c: float, v_k_plus_1: float) -> float:
    """Expected speedup when verifying K+1 tokens costs v(K+1) single-token steps."""
    if c < 0 or v_k_plus_1 <= 0:
        raise ValueError("cost ratio must be >= 0 and verification cost > 0")
    return expected_tokens_per_step(alpha, k) / (k * c + v_k_plus_1)


def speedup_from_tokens_per_step(tokens_per_step: float, k: float, c: float,
                                 v_k_plus_1: float) -> float:
    """The refined bound from a measured tokens-per-step (block efficiency) instead of alpha."""
    if c < 0 or v_k_plus_1 <= 0:
        raise ValueError("cost ratio must be >= 0 and verification cost > 0")
    return tokens_per_step / (k * c + v_k_plus_1)


@dataclass(frozen=True)
class VerifyCost:
    """v(n) measured at a few n: the cost of a forward on n tokens over a 1-token forward."""

    ratios: Mapping[int, float]  # n -> v(n); v(1) == 1.0
    single_token_ms: float = 0.0

    def __call__(self, n: float) -> float:
        """v(n), linearly interpolated between measured points (and extrapolated past them).

        A forward on more tokens never costs less than on one: readings below 1 are timing
        noise, so the curve is floored at 1.
        """
        return max(1.0, self._raw(n))

    def _raw(self, n: float) -> float:
        if n <= 1:
            return 1.0
        points = sorted({1: 1.0, **self.ratios}.items())
        for (n0, v0), (n1, v1) in itertools.pairwise(points):
            if n0 <= n <= n1:
                return v0 + (v1 - v0) * (n - n0) / (n1 - n0)
        if len(points) < 2:
            return 1.0
        (n0, v0), (n1, v1) = points[-2], points[-1]
        slope = (v1 - v0) / (n1 - n0) if n1 != n0 else 0.0
        return max(v1, v1 + slope * (n - n1))

    @staticmethod
    def flat() -> VerifyCost:
        """The paper's assumption: any n costs one step."""
        return VerifyCost({})


@dataclass(frozen=True)
class Bound:
    alpha: float
    k: float
    c: float
    v: float  # v(K+1)
    tokens_per_step: float
    paper: float
    refined: float


def bound_for(alpha: float, k: float, c: float, cost: VerifyCost) -> Bound:
    v = cost(k + 1)
    return Bound(alpha=alpha, k=k, c=c, v=v,
                 tokens_per_step=expected_tokens_per_step(alpha, k),
                 paper=paper_bound(alpha, k, c), refined=refined_bound(alpha, k, c, v))


def best_k(alpha: float, c: float, cost: VerifyCost, k_values: range = range(1, 9)) -> int:
    """The K the refined bound favours (the tuner measures; this explains its choice)."""
    return max(k_values, key=lambda k: (refined_bound(alpha, k, c, cost(k + 1)), -k))


def alpha_from_tokens_per_step(tau: float, k: float) -> float:
    """Invert expected_tokens_per_step by bisection: the alpha that explains a measured tau."""
    if k <= 0 or tau <= 1.0:
        return 0.0
    if tau >= k + 1:
        return 1.0
    lo, hi = 0.0, 1.0
    for _ in range(60):
        mid = (lo + hi) / 2
        if expected_tokens_per_step(mid, k) < tau:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2 if not math.isnan(lo) else 0.0
