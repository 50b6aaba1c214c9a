"""Tandem's loop with a draft that shares the target's vocabulary drafts in token ids.

It must give plain greedy's text (the product's promise) and draft exactly what GenAI's own
speculative pipeline drafts from the same pair: the same tokens accepted at every step.
The logits-rows input must give the rows a full pass gives.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from app.core.engine import GenerationRequest

CASES = (
    GenerationRequest.chat("Tell me about speculative decoding.", max_new_tokens=64),
    GenerationRequest.chat("Hello!", max_new_tokens=48),
    GenerationRequest(prompt="class Dog:\n    def", max_new_tokens=48),
    GenerationRequest(prompt="Zürich and 東京 🚀 are Bogotá", max_new_tokens=48),
)


def test_a_same_vocabulary_draft_takes_the_token_path(shared_session, universal_session):
    from app.core.engine.universal.draft_side import DraftSide
    from app.core.engine.universal.shared_draft import SharedDraftSide

    assert shared_session.shared_vocabulary
    assert isinstance(shared_session.draft, SharedDraftSide)
    assert not universal_session.shared_vocabulary  # draft-othertok spells ids otherwise
    assert isinstance(universal_session.draft, DraftSide)


@pytest.mark.parametrize("k", [1, 3, 8])
def test_greedy_equals_plain_and_drafts_as_genai_does(shared_session, plain_session,
                                                      draft_session, k):
    for case in CASES:
        expected = plain_session.generate(case)
        result = shared_session.generate(replace(case, num_assistant_tokens=k))
        assert result.token_ids == expected.token_ids
        genai = draft_session.generate(replace(case, num_assistant_tokens=k))
        assert genai.token_ids == expected.token_ids
        # The same draft reading the same ids: the same tokens accepted, step by step.
        assert [s.draft_tokens for s in result.steps] == [s.draft_tokens for s in genai.steps]


def test_the_draft_really_helps(shared_session):
    result = shared_session.generate(replace(CASES[0], num_assistant_tokens=4))
    assert result.stats.accepted_tokens > 20
    assert result.stats.block_efficiency > 2.0


@pytest.mark.parametrize("threshold", [0.3, 0.7])
def test_confidence_threshold_equals_plain(shared_session, plain_session, threshold):
    for case in CASES[:3]:
        expected = plain_session.generate(case)
        result = shared_session.generate(replace(case, confidence_threshold=threshold))
        assert result.token_ids == expected.token_ids


def test_logits_rows_are_the_last_rows_of_a_full_pass(demo_dir):
    from app.core.engine.universal.runner import StatefulModel

    sliced = StatefulModel(demo_dir / "target", "CPU", {"INFERENCE_PRECISION_HINT": "f32"})
    assert sliced.sliced_logits
    ids = [5, 17, 42, 99, 7, 3, 250, 11]
    full = sliced.forward(ids)
    assert full.shape[0] == len(ids)
    sliced.reset()
    last = sliced.forward(ids, rows=1)
    assert last.shape[0] == 1
    np.testing.assert_allclose(last[0], full[-1], atol=1e-5)
    two = sliced.forward([8, 9, 10], rows=2)
    sliced.reset()
    sliced.forward(ids, rows=1)
    again = sliced.forward([8, 9, 10])
    assert again.shape[0] == 3
    np.testing.assert_allclose(two, again[-2:], atol=1e-5)
