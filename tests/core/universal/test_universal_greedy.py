"""Greedy output with a draft from another vocabulary equals plain greedy, token for token."""

from __future__ import annotations

import pytest

from app.core.engine import GenerationRequest

CASES = {
    "chat": GenerationRequest.chat("Tell me about speculative decoding.", max_new_tokens=48),
    "early_eos_chat": GenerationRequest.chat("Hello!", max_new_tokens=48),
    "code": GenerationRequest(prompt="class Dog:\n    def", max_new_tokens=48),
    "whitespace": GenerationRequest(prompt="x = 1\n\n\n    y =    2", max_new_tokens=48),
    # Both vocabularies spell ü, 東, 京 and 🚀 with byte tokens (one character, several
    # tokens); the draft also splits á.
    "unicode": GenerationRequest(prompt="Zürich and 東京 🚀 are Bogotá", max_new_tokens=48),
    "eos_first": GenerationRequest(prompt="def add(a, b):\n", max_new_tokens=48),
}


@pytest.fixture(scope="module")
def plain_ids(plain_session):
    return {name: plain_session.generate(request).token_ids for name, request in CASES.items()}


@pytest.mark.parametrize("k", [1, 2, 4, 8])
@pytest.mark.parametrize("case", list(CASES))
def test_greedy_equals_plain(universal_session, plain_ids, case, k):
    from dataclasses import replace

    result = universal_session.generate(replace(CASES[case], num_assistant_tokens=k))
    assert result.token_ids == plain_ids[case]
    assert result.stats.mode == "universal"
    assert result.stats.num_assistant_tokens == k
    assert all(e.draft_tokens <= k for e in result.steps)


def test_the_draft_really_helps(universal_session, plain_ids):
    # Exactness alone would also hold for a draft that never proposes anything.
    result = universal_session.generate(
        GenerationRequest.chat("Tell me about speculative decoding.", max_new_tokens=48,
                               num_assistant_tokens=4))
    assert result.stats.accepted_tokens > 10
    assert result.stats.block_efficiency > 1.5


@pytest.mark.parametrize("threshold", [0.3, 0.7])
def test_confidence_threshold_equals_plain(universal_session, plain_ids, threshold):
    from dataclasses import replace

    for case in ("chat", "code"):
        result = universal_session.generate(
            replace(CASES[case], confidence_threshold=threshold))
        assert result.token_ids == plain_ids[case]
        assert result.stats.confidence_threshold == threshold
