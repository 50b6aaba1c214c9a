"""After a rejection, both caches hold exactly the committed tokens (checked against a
fresh prefill of those tokens): first as masked slots, then trimmed for real."""

from __future__ import annotations

import numpy as np

from app.core.engine import GenerationRequest, StepEvent
from app.core.engine.model_folder import runtime_properties
from app.core.engine.universal.draft_side import DraftSide
from app.core.engine.universal.runner import StatefulModel
from app.core.engine.universal.vocab import TokenBytes

ATOL = 2e-2  # chunked attention: same tokens, slightly different sums


def _model(folder):  # type: ignore[no-untyped-def]
    # The folder's own runtime wishes (f32 for the demo pair), as sessions load it: with the
    # CPU's default reduced-precision KV cache the logits drift past ATOL.
    return StatefulModel(folder, "CPU", runtime_properties(folder))


def _fresh_logits(folder, tokens):
    model = _model(folder)
    return model.forward(tokens)[-1]


def _state_lengths(model: StatefulModel) -> set[int]:
    return {state.state.shape[2] for state in model._request.query_state()}


def test_runner_trim_matches_fresh_prefill(demo_dir):
    vocab = TokenBytes(demo_dir / "target")
    ids = list(vocab.encode("def add(a, b):\n    return a + b  # Zürich"))
    fresh = _fresh_logits(demo_dir / "target", ids)
    model = _model(demo_dir / "target")
    model.forward(ids[:5])
    model.forward(ids[5:11])  # six positions, four of them rejected below
    model.trim(7)
    assert (model.length, model.dead) == (7, 4)  # masked, not copied yet
    masked = model.forward(ids[7:])[-1]
    assert np.allclose(masked, fresh, atol=ATOL)
    assert int(np.argmax(masked)) == int(np.argmax(fresh))
    model.compact()
    assert model.dead == 0 and _state_lengths(model) == {len(ids)}
    model.trim(len(ids) - 1)
    model.compact()  # a tail cut: the states are sliced
    assert _state_lengths(model) == {len(ids) - 1}
    assert np.allclose(model.forward(ids[-1:])[-1], fresh, atol=ATOL)
    model.trim(0)
    assert model.length == 0 and model.physical == 0
    assert np.allclose(model.forward(ids)[-1], fresh, atol=ATOL)


def test_compaction_gathers_live_slots_between_masked_ones(demo_dir):
    vocab = TokenBytes(demo_dir / "target")
    ids = list(vocab.encode("class Dog:\n    def speak(self):\n        return 4"))
    fresh = _fresh_logits(demo_dir / "target", ids)
    model = _model(demo_dir / "target")
    model.forward(ids[:6])
    model.forward([7, 8, 9])
    model.trim(6)  # slots 6-8 masked
    model.forward(ids[6:9])
    model.forward([10, 11])
    model.trim(9)  # slots 12-13 masked; live slots are not a prefix any more
    assert model.dead == 5
    model.compact()
    assert model.dead == 0 and _state_lengths(model) == {9}
    logits = model.forward(ids[9:])[-1]
    assert np.allclose(logits, fresh, atol=ATOL)


def test_many_rejections_trigger_compaction(demo_dir):
    from app.core.engine.universal.runner import COMPACT_MIN_DEAD

    model = _model(demo_dir / "target")
    model.forward(list(range(10, 30)))
    compactions = 0
    for _ in range(40):
        before = model.physical
        model.forward([5, 6, 7])
        model.trim(model.length - 2)  # keep one, reject two
        compactions += model.physical < before
        assert model.dead <= max(COMPACT_MIN_DEAD, model.length // 4)
    assert compactions >= 1
    assert _state_lengths(model) == {model.physical}
    assert model.length == 60


def test_target_cache_holds_the_committed_tokens_after_each_step(universal_session):
    session = universal_session
    request = GenerationRequest.chat("Tell me about speculative decoding.", max_new_tokens=40,
                                     num_assistant_tokens=8)
    prompt = session.target_vocab.encode_prompt(session._prompt_text(request)[0], False)
    committed: list[int] = []
    lengths: list[tuple[int, int]] = []

    def sink(event: StepEvent) -> None:
        committed.extend(event.token_ids)
        # The last committed token is pending: the next pass feeds it first.
        lengths.append((session.target.length, len(prompt) + len(committed) - 1))

    result = session.generate(request, sink)
    assert result.stats.rejected_tokens > 0  # rejections happened and were trimmed
    assert all(have == want for have, want in lengths)
    session.target.compact()
    assert _state_lengths(session.target) == {session.target.length}
    logits = session.target.forward([committed[-1]])[-1]
    fresh = _fresh_logits(session.spec.target, prompt + committed)
    assert np.allclose(logits, fresh, atol=ATOL)
    assert int(np.argmax(logits)) == int(np.argmax(fresh))


def test_draft_cache_follows_a_rejection(demo_dir):
    vocab = TokenBytes(demo_dir / "draft-othertok")
    side = DraftSide(_model(demo_dir / "draft-othertok"), vocab, 512)
    prompt = vocab.encode_prompt("<|user|>\nTell me a story.<|end|>\n<|assistant|>\n", False)
    side.start(prompt)
    proposal = side.propose(b"", 6)
    assert proposal  # the draft drafted and fed its own tokens
    # The target kept only part of it and chose something else ("rejection").
    committed = proposal[:2] + b" zebra"
    side.propose(committed, 1)  # resync; one draft token drafted, none fed
    expected = prompt + list(vocab.encode(committed.decode()))
    assert side._kv == expected
    assert side.model.length == len(expected) and side.model.dead > 0
    side.model.compact()
    assert _state_lengths(side.model) == {len(expected)}
    probe = vocab.encode(" and")[0]
    logits = side.model.forward([probe])[-1]
    fresh = _fresh_logits(demo_dir / "draft-othertok", [*expected, probe])
    assert np.allclose(logits, fresh, atol=ATOL)
