"""A pair's cost figures for the bound: the target's verification curve v(n) and the cost
ratio c = draft step time / target step time, both from the raw OpenVINO runtime."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.core.bench.bound import VerifyCost
from app.core.bench.verify_cost import measure_verify_cost
from app.core.engine.pair import PairSpec

N_VALUES = (1, 2, 3, 4, 5, 6, 7, 9)


@dataclass(frozen=True)
class PairCosts:
    verify: VerifyCost  # the target's v(n)
    target_ms: float  # one-token target forward
    draft_ms: float  # one-token draft forward

    @property
    def c(self) -> float:
        return self.draft_ms / self.target_ms if self.target_ms > 0 else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"target_ms": self.target_ms, "draft_ms": self.draft_ms, "c": self.c,
                "v": {str(n): v for n, v in sorted(self.verify.ratios.items())}}


def measure_pair_costs(spec: PairSpec, repeats: int = 9) -> PairCosts:
    if spec.draft is None:
        raise ValueError("a pair without a draft has no cost ratio")
    target = measure_verify_cost(spec.target, N_VALUES, repeats=repeats, device=spec.device)
    draft = measure_verify_cost(spec.draft, (1,), repeats=repeats,
                                device=spec.resolved_draft_device)
    return PairCosts(verify=target, target_ms=target.single_token_ms,
                     draft_ms=draft.single_token_ms)
