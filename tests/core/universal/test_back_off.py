"""The loop's back-off: a source whose steps do not pay is paused, probed again later, and
the text never changes (a step without candidates is plain decoding's step)."""

from __future__ import annotations

import time
from dataclasses import replace

from app.core.engine import GenerationRequest
from app.core.engine.types import DRAFT_SOURCE, LOOKUP_SOURCE
from app.core.engine.universal.gate import FIRST_WAIT, MIN_STEPS, SpeculationGate


def _plain(gate: SpeculationGate, paused: bool = False) -> None:
    gate.record_plain(0.1, paused=paused)


def test_a_plain_step_comes_first_as_the_yardstick():
    gate = SpeculationGate()
    assert not gate.allows(DRAFT_SOURCE) and not gate.allows(LOOKUP_SOURCE)
    _plain(gate, paused=True)
    assert gate.paused_steps == 0  # the yardstick is not a pause
    assert gate.allows(DRAFT_SOURCE) and gate.allows(LOOKUP_SOURCE)
    assert SpeculationGate(enabled=False).allows(DRAFT_SOURCE)  # off: no yardstick either


def test_a_paying_source_is_never_paused():
    gate = SpeculationGate()
    _plain(gate)
    for _ in range(50):  # 3 tokens in 0.2 s against 1 in 0.1 s: gain 1.5
        assert gate.allows(DRAFT_SOURCE)
        gate.record(DRAFT_SOURCE, 3, 0.2)
    assert gate.pauses == 0


def test_a_losing_source_pauses_then_probes_with_a_doubling_wait():
    gate = SpeculationGate()
    _plain(gate)
    for _ in range(MIN_STEPS):  # 2 tokens in 0.33 s against 1 in 0.1 s: gain 0.6
        gate.record(DRAFT_SOURCE, 2, 0.33)
    assert gate.pauses == 1 and not gate.allows(DRAFT_SOURCE)
    waits = []
    for _ in range(3):
        steps = 0
        while not gate.allows(DRAFT_SOURCE):
            _plain(gate, paused=True)
            steps += 1
        waits.append(steps)
        gate.record(DRAFT_SOURCE, 2, 0.33)  # the probe loses too
    assert waits == [FIRST_WAIT, 2 * FIRST_WAIT, 4 * FIRST_WAIT]
    assert gate.paused_steps == sum(waits)
    # The lookup is judged on its own: still allowed while the draft waits.
    assert gate.allows(LOOKUP_SOURCE)


def test_a_probe_that_pays_reopens_the_source():
    gate = SpeculationGate()
    _plain(gate)
    for _ in range(MIN_STEPS):
        gate.record(DRAFT_SOURCE, 1, 0.2)
    while not gate.allows(DRAFT_SOURCE):
        _plain(gate, paused=True)
    gate.record(DRAFT_SOURCE, 4, 0.2)  # the answer turned predictable: gain 2
    for _ in range(10):
        assert gate.allows(DRAFT_SOURCE)
        gate.record(DRAFT_SOURCE, 4, 0.2)
    assert gate.pauses == 1


def test_steps_of_another_source_shorten_a_pause():
    gate = SpeculationGate()
    _plain(gate)
    for _ in range(MIN_STEPS):
        gate.record(DRAFT_SOURCE, 1, 0.2)
    for _ in range(FIRST_WAIT):
        assert not gate.allows(DRAFT_SOURCE)
        gate.record(LOOKUP_SOURCE, 4, 0.15)
    assert gate.allows(DRAFT_SOURCE)


def _slow(model, seconds: float, monkeypatch) -> None:
    forward = model.forward

    def slow_forward(*args, **kwargs):
        time.sleep(seconds)
        return forward(*args, **kwargs)

    monkeypatch.setattr(model, "forward", slow_forward)


def test_a_draft_that_costs_more_than_it_saves_is_paused_and_the_text_is_plains(
        shared_session, plain_session, monkeypatch):
    """The demo draft made slow (40 ms a call against a target of microseconds): with
    back-off the loop pauses it and runs mostly plain steps; the tokens are plain's."""
    request = GenerationRequest.chat("Tell me about speculative decoding.", max_new_tokens=48,
                                     num_assistant_tokens=3)
    expected = plain_session.generate(request)
    _slow(shared_session.draft.model, 0.04, monkeypatch)
    backed = shared_session.generate(replace(request, back_off=True))
    assert backed.token_ids == expected.token_ids
    # Paused after MIN_STEPS, then each probe loses too and doubles the wait (4, 8, ...).
    assert backed.library["pauses"] >= 2
    assert backed.library["paused_steps"] >= FIRST_WAIT + 2 * FIRST_WAIT
    without = shared_session.generate(request)
    assert without.token_ids == expected.token_ids
    assert "pauses" not in without.library  # off unless asked
    assert backed.library["drafted"] < 0.6 * without.library["drafted"]
    assert backed.stats.paused_steps == backed.library["paused_steps"]
    assert f"drafting paused on {backed.stats.paused_steps} of" in backed.stats.summary()
    assert without.stats.paused_steps == 0 and "paused" not in without.stats.summary()


def test_a_draft_that_pays_keeps_drafting(shared_session, plain_session, monkeypatch):
    """The target made slow instead (a verify pass costs about a plain step, as on a real
    CPU): the draft pays and the loop keeps it, with the same tokens."""
    request = GenerationRequest.chat("Tell me about speculative decoding.", max_new_tokens=48,
                                     num_assistant_tokens=3, back_off=True)
    expected = plain_session.generate(replace(request, back_off=False))
    _slow(shared_session.target, 0.03, monkeypatch)
    result = shared_session.generate(request)
    assert result.token_ids == expected.token_ids
    assert result.library.get("pauses", 0) == 0
    assert result.stats.accepted_tokens >= 0.5 * len(result.token_ids)
