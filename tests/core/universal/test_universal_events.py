"""Step events, stop conditions and statistics behave as with the GenAI backend."""

from __future__ import annotations

import threading
import time

import pytest

from app.core.engine import FinishReason, GenerationRequest, StepEvent

PROMPT = "Tell me about speculative decoding."


def collect(session, request, stop=None):
    events: list[StepEvent] = []
    result = session.generate(request, events.append, stop)
    return result, events


@pytest.mark.parametrize("k", [1, 3, 8])
def test_events_add_up(universal_session, k):
    result, events = collect(universal_session, GenerationRequest.chat(
        PROMPT, max_new_tokens=64, num_assistant_tokens=k))
    stats = result.stats
    assert "".join(e.text for e in events) == result.text
    assert sum(len(e.token_ids) for e in events) == stats.generated_tokens
    assert sum(e.draft_tokens for e in events) == stats.accepted_tokens
    assert 0 < stats.accepted_tokens <= stats.drafted_tokens
    assert stats.rejected_tokens == stats.drafted_tokens - stats.accepted_tokens
    assert stats.acceptance_rate == pytest.approx(stats.accepted_tokens / stats.drafted_tokens)
    assert stats.drafted_tokens <= k * (stats.target_steps - 1)
    assert stats.target_steps == len([e for e in events if e.token_ids])
    assert stats.block_efficiency == pytest.approx(stats.generated_tokens / stats.target_steps)
    assert events[0].draft_tokens == 0 and len(events[0].token_ids) == 1  # the prefill
    assert sum(stats.accepted_histogram.values()) == stats.target_steps - 1
    assert [e.timestamp for e in events] == sorted(e.timestamp for e in events)
    for event in events:
        assert sum(n for n, _ in event.spans) == len(event.text)
    assert stats.draft_device == "CPU" and stats.target_time_ms and stats.draft_time_ms
    assert result.library["loop_overhead_ms"] >= 0


def test_max_new_tokens_cut_is_exact(universal_session):
    for max_new in (1, 2, 5, 9):
        for k in (2, 8):
            result = universal_session.generate(GenerationRequest.chat(
                PROMPT, max_new_tokens=max_new, num_assistant_tokens=k))
            assert result.stats.generated_tokens == max_new
            assert len(result.token_ids) == max_new
            assert result.stats.finish_reason == FinishReason.LENGTH


def test_end_of_sequence_reason(universal_session, plain_session):
    request = GenerationRequest.chat("Hello!", max_new_tokens=100, num_assistant_tokens=4)
    result = universal_session.generate(request)
    assert result.stats.finish_reason == FinishReason.END_OF_SEQUENCE
    assert result.stats.generated_tokens < 100
    assert result.token_ids[-1] == universal_session.eos_token_id
    assert result.text == plain_session.generate(request).text


@pytest.mark.parametrize("stop_string", ["target", "the", "s"])
def test_stop_string_cuts_text_like_plain(universal_session, plain_session, stop_string):
    full = plain_session.generate(GenerationRequest.chat(PROMPT, max_new_tokens=64)).text
    assert stop_string in full
    for k in (1, 4):
        request = GenerationRequest.chat(PROMPT, max_new_tokens=64, num_assistant_tokens=k,
                                         stop_strings=(stop_string,))
        result, events = collect(universal_session, request)
        assert result.text == full[: full.index(stop_string)]
        assert "".join(e.text for e in events) == result.text
        assert result.stats.finish_reason == FinishReason.STOP_STRING


def test_stop_lands_within_one_step_and_keeps_partial_text(universal_session):
    stop = threading.Event()
    seen: list[StepEvent] = []

    def sink(event: StepEvent) -> None:
        seen.append(event)
        if len(seen) == 3:
            stop.set()
            seen.append(StepEvent(-1, "", (), 0, time.monotonic()))  # marker

    result = universal_session.generate(GenerationRequest.chat(
        PROMPT, max_new_tokens=200, num_assistant_tokens=2), sink, stop)
    marker = next(i for i, e in enumerate(seen) if e.index == -1)
    assert not [e for e in seen[marker + 1:] if e.token_ids]
    assert result.stats.finish_reason == FinishReason.STOPPED
    assert result.text and result.text == "".join(e.text for e in seen if e.index >= 0)
    assert result.stats.generated_tokens < 200


def test_backend_identity_and_mode_selection(universal_session, demo_dir):
    from app.core.engine import Mode
    from app.core.engine.universal import DISPLAY_NAME, speculative_mode

    assert universal_session.backend_name == "universal"
    assert universal_session.mode is Mode.UNIVERSAL
    assert DISPLAY_NAME == "universal draft"
    assert speculative_mode(demo_dir / "target", demo_dir / "draft-othertok") is Mode.UNIVERSAL
    assert speculative_mode(demo_dir / "target", demo_dir / "draft") is Mode.DRAFT
    request = GenerationRequest.chat(PROMPT)
    assert universal_session.count_input_tokens(request) > 5
