"""The comparison runner on the demo pair: interleaving, identical text, divergence."""

from __future__ import annotations

import pytest

from app.core.bench.runner import compare, first_divergence
from app.core.engine import GenerationRequest, PairSpec, load_session

PROMPT = "Tell me about speculative decoding."


def test_first_divergence_by_hand():
    assert first_divergence([1, 2, 3], [1, 2, 3]) is None
    found = first_divergence([1, 2, 3, 4], [1, 2, 9, 4])
    assert (found.index, found.baseline_token, found.candidate_token) == (2, 3, 9)
    shorter = first_divergence([1, 2, 3], [1, 2])
    assert (shorter.index, shorter.baseline_token, shorter.candidate_token) == (2, 3, None)
    assert "end of text" in shorter.describe()


def test_runs_interleave_after_warmup(plain_session, draft_session):
    request = GenerationRequest.chat(PROMPT, max_new_tokens=24)
    seen = []
    comparison = compare(plain_session, draft_session, request,
                         GenerationRequest.chat(PROMPT, max_new_tokens=24,
                                                num_assistant_tokens=3),
                         repeats=3, warmup=1, on_run=lambda run: seen.append(run))
    assert [(r.label, r.round) for r in comparison.runs] == [
        ("A", -1), ("B", -1), ("A", 0), ("B", 0), ("A", 1), ("B", 1), ("A", 2), ("B", 2)]
    assert seen == comparison.runs
    starts = [r.started for r in comparison.runs]
    assert starts == sorted(starts)
    # Each run started after the previous one finished: one after the other, never at once.
    for before, after in zip(comparison.runs, comparison.runs[1:], strict=False):
        assert after.started >= before.started + before.result.stats.wall_time_s * 0.5
    assert len(comparison.baseline) == len(comparison.candidate) == 3
    assert all(s.mode == "plain" for s in comparison.baseline)
    assert all(s.mode == "draft" for s in comparison.candidate)
    assert comparison.identical is True
    assert comparison.divergence is None
    assert comparison.speedup > 0
    assert len(comparison.pair_ratios) == 3


def test_a_different_model_is_reported_with_its_first_diverging_token(plain_session,
                                                                      never_accepted_draft):
    # Another model behind the same tokenizer (see conftest) writes other tokens.
    other = load_session(PairSpec(never_accepted_draft))
    try:
        request = GenerationRequest.chat(PROMPT, max_new_tokens=40)
        comparison = compare(plain_session, other, request, repeats=1, warmup=0)
    finally:
        other.close()
    a = comparison.baseline_results()[0].token_ids
    b = comparison.candidate_results()[0].token_ids
    assert a != b
    shorter = min(len(a), len(b))
    index = next((i for i in range(shorter) if a[i] != b[i]), shorter)
    expected = (index, a[index] if index < len(a) else None, b[index] if index < len(b) else None)
    assert comparison.identical is False
    found = comparison.divergence
    assert found is not None
    assert (found.index, found.baseline_token, found.candidate_token) == expected
    if index < len(a):
        assert found.baseline_piece == plain_session.tokenizer.decode([a[index]])
    assert f"generated token {index}" in found.describe()


def test_sampling_uses_the_same_seed_on_both_sides(plain_session):
    request = GenerationRequest.chat(PROMPT, max_new_tokens=24, do_sample=True, seed=5)
    comparison = compare(plain_session, plain_session, request, repeats=2, warmup=0)
    assert comparison.identical is None
    a, b = comparison.baseline_results(), comparison.candidate_results()
    # Same session and seed per round: the same text; another round, another seed.
    assert [r.token_ids for r in a] == [r.token_ids for r in b]


def test_repeats_must_be_positive(plain_session):
    with pytest.raises(ValueError):
        compare(plain_session, plain_session, GenerationRequest.chat(PROMPT), repeats=0)


def test_a_failed_speculative_run_leaves_a_working_pipeline(demo_dir, monkeypatch):
    # After a failed speculative run GenAI 2026.4's pipeline never accepts a draft token
    # again; the engine rebuilds it. A real failure: GenAI refuses a config that sets both
    # K and a confidence threshold. (Sampled runs with a draft no longer reach GenAI.)
    from app.core.bench.prompts import prompts
    from app.core.engine.errors import GenerationFailedError

    session = load_session(PairSpec(demo_dir / "target", demo_dir / "draft"))
    text = prompts(("code-medium",))[0].text
    try:
        greedy = GenerationRequest.chat(text, max_new_tokens=32, num_assistant_tokens=3)
        before = session.generate(greedy).stats.acceptance_rate
        build = session._config

        def invalid(request, max_new):  # type: ignore[no-untyped-def]
            config = build(request, max_new)
            config.assistant_confidence_threshold = 0.5
            return config

        monkeypatch.setattr(session, "_config", invalid)
        with pytest.raises(GenerationFailedError):
            session.generate(greedy)
        monkeypatch.setattr(session, "_config", build)
        after = session.generate(greedy).stats.acceptance_rate
    finally:
        session.close()
    assert before > 0
    assert after == before
