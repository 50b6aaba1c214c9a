"""The draft's bytes become target candidates that continue the committed tokens exactly."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.engine.universal.candidates import target_candidates
from app.core.engine.universal.vocab import TokenBytes, complete_utf8_length

TEXTS = [
    "def multiply(a, b):\n    return a * b\n",
    "Zürich and 東京 🚀 are far apart; Bogotá too.",
    "x = 1\n\n\n    y =    2\t\tz",
    "The capital of France is Paris. The capital of Peru is Lima.",
]


@pytest.fixture(scope="module")
def target_vocab(demo_dir):
    return TokenBytes(demo_dir / "target")


@pytest.fixture(scope="module")
def draft_vocab(demo_dir):
    return TokenBytes(demo_dir / "draft-othertok")


def test_vocab_spells_like_the_tokenizer(target_vocab, draft_vocab):
    for vocab in (target_vocab, draft_vocab):
        assert vocab.exact_decode and vocab.split_pretokens
        for text in TEXTS:
            ids = vocab.encode(text)
            assert vocab.spell(ids) == text.encode()
            assert list(ids) == vocab.encode_prompt(text, False)  # pre-token split agrees
            assert vocab.decode(ids) == vocab.tokenizer.decode(list(ids))
        assert vocab.pieces[vocab.eos_id] == b""  # special tokens spell nothing


def test_a_character_split_across_byte_tokens(target_vocab):
    # The target committed " Z" and the first byte of "ü"; the draft, which never sees half
    # a character, proposes from " Z" on.
    text = " Zürich is"
    ids = list(target_vocab.encode(text))
    spelled = [target_vocab.spell(ids[:i]) for i in range(len(ids))]
    cut = next(i for i in range(1, len(ids)) if complete_utf8_length(spelled[i]) < len(spelled[i]))
    committed_ids = ids[:cut]
    committed = target_vocab.spell(committed_ids)
    proposal = text.encode()[complete_utf8_length(committed):]
    found = target_candidates(target_vocab, committed_ids, committed, proposal, 16)
    assert found == ids[cut:]
    wrong = target_candidates(target_vocab, committed_ids, committed, b" Zebra", 16)
    assert wrong == []  # the proposal does not continue the committed partial character


@settings(max_examples=60, deadline=None)
@given(text=st.sampled_from(TEXTS), data=st.data())
def test_candidates_continue_the_committed_bytes(target_vocab, text, data):
    ids = list(target_vocab.encode(text))
    cut = data.draw(st.integers(1, len(ids) - 1))
    limit = data.draw(st.integers(1, 8))
    committed_ids = ids[:cut]
    committed = target_vocab.spell(committed_ids)
    proposal = text.encode()[complete_utf8_length(committed):]
    found = target_candidates(target_vocab, committed_ids, committed, proposal, limit)
    assert len(found) <= limit
    rest = text.encode()[len(committed):]
    assert rest.startswith(target_vocab.spell(found))
    # With the natural tokenization committed, the candidates are the natural next tokens
    # (the last one may be cut short where the proposal ends).
    if found:
        assert found[:-1] == ids[cut: cut + len(found) - 1]


def test_merge_across_the_boundary_gives_aligned_candidates(target_vocab):
    # The target committed "Par" (not its natural " Paris" token) and the draft proposes
    # "is. The": the natural encoding of the anchor no longer matches, so candidates start
    # at the boundary or there are none; they never repeat or skip bytes.
    committed_ids = list(target_vocab.encode("The capital of France is")) + \
        list(target_vocab.encode(" Par"))
    committed = target_vocab.spell(committed_ids)
    found = target_candidates(target_vocab, committed_ids, committed, b"is. The", 8)
    assert b"is. The".startswith(target_vocab.spell(found))


def test_no_proposal_or_no_room_gives_no_candidates(target_vocab):
    committed_ids = list(target_vocab.encode("Hello"))
    committed = target_vocab.spell(committed_ids)
    assert target_candidates(target_vocab, committed_ids, committed, b"", 4) == []
    assert target_candidates(target_vocab, committed_ids, committed, b"!", 0) == []
