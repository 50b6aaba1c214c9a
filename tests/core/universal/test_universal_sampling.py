"""Sampling with the universal draft keeps the target's distribution exactly."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from scipy.stats import chi2_contingency, chisquare

from app.core.engine import GenerationRequest
from app.core.engine.universal.verify import Sampling, sample, verify_sampled

ROWS = np.array([[0.5, 0.3, 0.15, 0.05, 1e-12], [0.1, 0.2, 0.3, 0.4, 1e-12],
                 [0.25, 0.25, 0.25, 0.25, 1e-12]])


def _biased_draws(verifier, rng) -> list:  # type: ignore[no-untyped-def]
    """Many draws at fixed logits: each committed token must follow p at its position,
    whether the candidate is likely, unlikely or never picked by the target. Returns the
    cases whose draws do not (empty for a lossless verifier)."""
    logits = np.log(ROWS).astype(np.float32)
    sampling = Sampling()
    draws = 6000
    biased = []
    for candidates in ([0, 3], [3, 0], [4, 2]):
        first: Counter[int] = Counter()
        second: Counter[int] = Counter()
        for _ in range(draws):
            accepted, token = verifier(logits, candidates, sampling, rng)
            committed = [*candidates[:accepted], token]
            first[committed[0]] += 1
            if accepted >= 1:
                second[committed[1]] += 1
        for counts, p in ((first, ROWS[0]), (second, ROWS[1])):
            observed = [counts[i] for i in range(4)]
            if sum(observed) < 300:
                continue  # a candidate the target never picks: nothing at position two
            expected = p[:4] / p[:4].sum() * sum(observed)
            if counts[4] or chisquare(observed, expected).pvalue <= 1e-3:
                biased.append((candidates, observed))
    return biased


def test_verify_step_draws_the_target_distribution():
    assert _biased_draws(verify_sampled, np.random.default_rng(1234)) == []


class _Rigged:
    """A generator whose acceptance draws always pass (uniform draws are 0), otherwise
    the real one: Tandem's verifier then accepts every candidate it can."""

    def __init__(self, rng: np.random.Generator) -> None:
        self._rng = rng
        self.accepting = True

    def random(self) -> float:
        return 0.0 if self.accepting else float(self._rng.random())


def test_always_accepting_would_be_caught():
    # The check above has power: Tandem's own verifier, made to accept every candidate
    # (its acceptance draws rigged), fails it; so does one that forgets to remove the
    # rejected candidate from the resampling distribution.
    rng = np.random.default_rng(1234)

    def always_accepting(logits, candidates, sampling, _rng):  # type: ignore[no-untyped-def]
        rigged = _Rigged(rng)
        accepted, _ = verify_sampled(logits, candidates, sampling, rigged)  # type: ignore[arg-type]
        rigged.accepting = False
        return accepted, sample(sampling.probabilities(logits[accepted]), rng)

    assert len(_biased_draws(always_accepting, rng)) >= 2

    def residual_keeps_candidate(logits, candidates, sampling, _rng):  # type: ignore[no-untyped-def]
        for position, candidate in enumerate(candidates):
            probs = sampling.probabilities(logits[position])
            if rng.random() < probs[candidate]:
                continue
            return position, sample(probs, rng)  # the bug: x not removed
        return len(candidates), sample(sampling.probabilities(logits[-1]), rng)

    assert _biased_draws(residual_keeps_candidate, rng)


def test_temperature_top_k_top_p():
    logits = np.log(np.array([0.4, 0.3, 0.2, 0.1]))
    assert np.allclose(Sampling().probabilities(logits), [0.4, 0.3, 0.2, 0.1])
    assert np.allclose(Sampling(top_k=2).probabilities(logits), [4 / 7, 3 / 7, 0, 0])
    assert np.allclose(Sampling(top_p=0.65).probabilities(logits), [4 / 7, 3 / 7, 0, 0])
    hot = Sampling(temperature=2.0).probabilities(logits)
    assert hot[0] < 0.4 and hot[3] > 0.1 and hot.sum() == pytest.approx(1.0)


def _first_tokens(session, seeds, k, stats=None, temperature=1.0, top_k=0, top_p=1.0):
    prompts = []
    for seed in seeds:
        result = session.generate(GenerationRequest(
            prompt="Tell me about", max_new_tokens=3, do_sample=True, temperature=temperature,
            top_k=top_k, top_p=top_p, seed=seed, num_assistant_tokens=k))
        prompts.append(tuple(result.token_ids))
        if stats is not None:
            stats.append(result.stats)
    return prompts


@pytest.mark.parametrize("settings", [{}, {"temperature": 1.5, "top_k": 4, "top_p": 0.8}],
                         ids=["full", "top-k-top-p"])
def test_universal_sampling_matches_plain_sampling(universal_session, plain_session, settings):
    # Joint law of the first three tokens (two of them through the verification loop),
    # universal against plain GenAI, over fixed seeds: deterministic and fast. The second
    # case checks temperature, top-k and top-p against GenAI's own sampler.
    seeds = range(200)
    runs: list = []
    universal = _first_tokens(universal_session, seeds, 2, runs, **settings)
    # Both branches of the acceptance rule are exercised.
    assert sum(r.accepted_tokens for r in runs) > 30
    assert sum(r.rejected_tokens for r in runs) > 30
    plain = _first_tokens(plain_session, seeds, None, **settings)
    assert all(len(t) == 3 for t in universal)
    categories = Counter(universal) + Counter(plain)
    common = [c for c, n in categories.items() if n >= 10]
    def row(samples):
        counts = Counter(samples)
        return [counts[c] for c in common] + [sum(n for c, n in counts.items()
                                                  if c not in common)]
    table = np.array([row(universal), row(plain)])
    table = table[:, table.sum(axis=0) > 0]
    assert table.shape[1] >= 3  # enough distinct outcomes for the test to mean something
    assert chi2_contingency(table).pvalue > 1e-3


def test_sampling_is_reproducible_with_a_seed(universal_session):
    def sample(seed):
        return universal_session.generate(GenerationRequest(
            prompt="In the morning, the", max_new_tokens=30, do_sample=True, temperature=1.2,
            top_p=0.95, num_assistant_tokens=3, seed=seed)).token_ids

    assert sample(7) == sample(7)
    assert len({sample(seed) for seed in range(5)}) > 1
