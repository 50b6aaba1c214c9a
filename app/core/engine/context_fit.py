"""Fit a chat into the model's context: leave out the oldest turns, never fail for them.

The engine refuses a prompt that fills the context (PromptTooLongError). A chat grows
until it does; before that happens, the oldest exchanges are left out of what the model
sees (the system prompt and the newest user message always stay), counted with the
session's own tokenizer, and the result says how many turns were left out.
"""

from __future__ import annotations

import threading
from dataclasses import replace

from app.core.engine.session import Session
from app.core.engine.types import GenerationRequest, GenerationResult, Message, StepSink

MIN_ANSWER_TOKENS = 64  # room kept for the answer, at least (or the whole max_new_tokens)


def _drop_oldest(messages: tuple[Message, ...]) -> tuple[tuple[Message, ...], int]:
    """Leave out the oldest exchange (a user turn and the answers up to the next user
    turn); the system prompt and the last message stay. Returns the turns left out."""
    system = [m for m in messages[:1] if m.role == "system"]
    turns = list(messages[len(system):])
    if len(turns) <= 1:
        return messages, 0
    cut = 1
    while cut < len(turns) - 1 and turns[cut].role != "user":
        cut += 1
    return tuple(system + turns[cut:]), cut


def fit_request(session: Session, request: GenerationRequest) -> tuple[GenerationRequest, int]:
    """The request with as many of the oldest turns left out as the context needs, and
    how many turns that was (0 when it fits, or when only the last message is left)."""
    limit = session.context_length
    if limit is None or not request.messages:
        return request, 0
    room = min(request.max_new_tokens, max(MIN_ANSWER_TOKENS, limit // 4))
    dropped = 0
    while session.count_input_tokens(request) + room > limit:
        messages, cut = _drop_oldest(request.messages)
        if not cut:
            break  # the newest message alone is too long: the engine says so
        request = replace(request, messages=messages)
        dropped += cut
    return request, dropped


def generate_in_context(session: Session, request: GenerationRequest,
                        sink: StepSink | None = None,
                        stop: threading.Event | None = None) -> GenerationResult:
    """Generate after fitting the chat into the context; the result's stats say how many
    turns were left out (`dropped_turns`) and the context's size (`context_length`)."""
    fitted, dropped = fit_request(session, request)
    result = session.generate(fitted, sink, stop)
    stats = replace(result.stats, dropped_turns=dropped,
                    context_length=session.context_length)
    return replace(result, stats=stats)
