"""A chat longer than the context: the oldest turns are left out (counted with the pair's
own tokenizer) instead of the engine refusing the prompt."""

from __future__ import annotations

import pytest

from app.core.engine import GenerationRequest, Message
from app.core.engine.context_fit import fit_request, generate_in_context
from app.core.engine.errors import PromptTooLongError

SYSTEM = Message("system", "You are a concise assistant.")
FILLER = "Tell me about speculative decoding and draft models on a small computer. " * 3


def _history(exchanges: int) -> tuple[Message, ...]:
    turns = [SYSTEM]
    for i in range(exchanges):
        turns += [Message("user", f"Question {i}: {FILLER}"),
                  Message("assistant", f"Answer {i}: {FILLER}")]
    return (*turns, Message("user", "What is the capital of France?"))


def test_a_short_chat_is_left_as_it_is(draft_session) -> None:
    request = GenerationRequest(messages=_history(1), max_new_tokens=32)
    fitted, dropped = fit_request(draft_session, request)
    assert dropped == 0 and fitted == request


def test_the_oldest_turns_are_left_out_until_the_chat_fits(draft_session) -> None:
    request = GenerationRequest(messages=_history(8), max_new_tokens=64,
                                num_assistant_tokens=3)
    limit = draft_session.context_length
    assert limit == 512 and draft_session.count_input_tokens(request) > limit
    with pytest.raises(PromptTooLongError):  # what happened before: the run failed
        draft_session.generate(request)
    fitted, dropped = fit_request(draft_session, request)
    assert dropped > 0 and dropped % 2 == 0  # whole exchanges
    assert fitted.messages[0] == SYSTEM  # the system prompt stays
    assert fitted.messages[-1] == request.messages[-1]  # and the newest message
    assert fitted.messages[1:] == request.messages[1 + dropped:]
    assert draft_session.count_input_tokens(fitted) + 64 <= limit
    # One exchange fewer would not have been enough: nothing more was dropped than needed.
    kept_more = GenerationRequest(messages=(SYSTEM, *request.messages[dropped - 1:]),
                                  max_new_tokens=64)
    assert draft_session.count_input_tokens(kept_more) + 64 > limit
    result = generate_in_context(draft_session, request)
    assert result.text and result.stats.dropped_turns == dropped
    assert result.stats.context_length == 512
    assert result.text == draft_session.generate(fitted).text


def test_a_newest_message_alone_too_long_still_says_so(draft_session) -> None:
    request = GenerationRequest(messages=(Message("user", FILLER * 40),), max_new_tokens=16)
    fitted, dropped = fit_request(draft_session, request)
    assert dropped == 0 and fitted == request
    with pytest.raises(PromptTooLongError):
        generate_in_context(draft_session, request)
