"""The analytic bound against values computed by hand."""

from __future__ import annotations

import pytest

from app.core.bench.bound import (
    VerifyCost,
    alpha_from_tokens_per_step,
    best_k,
    bound_for,
    expected_tokens_per_step,
    paper_bound,
    refined_bound,
    speedup_from_tokens_per_step,
)

# The issue's measurement on a 185M int8 target: 29, 42 and 86 ms for 1, 3 and 5 tokens.
ISSUE_COST = VerifyCost({3: 42 / 29, 5: 86 / 29}, single_token_ms=29.0)


def test_expected_tokens_per_step_by_hand():
    # (1 - 0.5^5) / (1 - 0.5) = 0.96875 / 0.5
    assert expected_tokens_per_step(0.5, 4) == pytest.approx(1.9375)
    # (1 - 0.8^4) / 0.2 = 0.5904 / 0.2
    assert expected_tokens_per_step(0.8, 3) == pytest.approx(2.952)
    assert expected_tokens_per_step(0.0, 5) == 1.0
    assert expected_tokens_per_step(1.0, 5) == 6.0


def test_paper_bound_by_hand():
    # 2.952 / (3 * 0.1 + 1)
    assert paper_bound(0.8, 3, 0.1) == pytest.approx(2.952 / 1.3)
    assert paper_bound(0.8, 3, 0.1) == pytest.approx(2.270769, rel=1e-6)


def test_refined_bound_by_hand():
    # alpha 0.4, K=2: tau = (1 - 0.064) / 0.6 = 1.56; v(3) = 42/29; c = 2/29
    assert refined_bound(0.4, 2, 2 / 29, 42 / 29) == pytest.approx(1.56 / (4 / 29 + 42 / 29))
    assert refined_bound(0.4, 2, 2 / 29, 42 / 29) == pytest.approx(0.983478, rel=1e-5)
    # K=4: tau = (1 - 0.01024) / 0.6 = 1.6496; v(5) = 86/29 -> slower than plain
    assert refined_bound(0.4, 4, 2 / 29, 86 / 29) == pytest.approx(1.6496 / (8 / 29 + 86 / 29))
    assert refined_bound(0.4, 4, 2 / 29, 86 / 29) < 1.0
    # v == 1 is the paper's assumption
    assert refined_bound(0.7, 3, 0.05, 1.0) == pytest.approx(paper_bound(0.7, 3, 0.05))


def test_speedup_from_tokens_per_step():
    assert speedup_from_tokens_per_step(2.5, 3, 0.1, 1.5) == pytest.approx(2.5 / 1.8)


def test_verify_cost_interpolates_and_extrapolates():
    assert ISSUE_COST(1) == 1.0
    assert ISSUE_COST(3) == pytest.approx(42 / 29)
    assert ISSUE_COST(4) == pytest.approx((42 / 29 + 86 / 29) / 2)
    assert ISSUE_COST(2) == pytest.approx((1 + 42 / 29) / 2)
    slope = (86 - 42) / 29 / 2
    assert ISSUE_COST(7) == pytest.approx(86 / 29 + 2 * slope)
    assert VerifyCost.flat()(9) == 1.0


def test_verify_cost_is_floored_at_one():
    assert VerifyCost({2: 0.8, 3: 0.9})(2) == 1.0


def test_bound_for_and_best_k():
    bound = bound_for(0.4, 2, 2 / 29, ISSUE_COST)
    assert bound.v == pytest.approx(ISSUE_COST(3))
    assert bound.refined < bound.paper
    # With a steep v(n) a short K wins; with flat verification a longer K does.
    assert best_k(0.4, 2 / 29, ISSUE_COST) <= 2
    assert best_k(0.9, 0.01, VerifyCost.flat()) >= 6


@pytest.mark.parametrize(("alpha", "k"), [(0.3, 2), (0.6, 4), (0.9, 8)])
def test_alpha_inverts_tokens_per_step(alpha, k):
    assert alpha_from_tokens_per_step(expected_tokens_per_step(alpha, k), k) == \
        pytest.approx(alpha, abs=1e-9)


def test_invalid_inputs():
    with pytest.raises(ValueError):
        expected_tokens_per_step(1.5, 3)
    with pytest.raises(ValueError):
        refined_bound(0.5, 3, 0.1, 0.0)
