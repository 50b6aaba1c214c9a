"""What a streamed answer has told us so far, whatever the protocol."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from app.core.engine.remote.acceptance import Acceptance
from app.core.engine.types import FinishReason


@dataclass(frozen=True)
class Piece:
    """One streamed chunk: becomes one StepEvent."""

    text: str
    token_ids: tuple[int, ...] = ()
    draft_tokens: int = 0  # only a Tandem server says which tokens were drafted
    tokens: int = 1  # tokens in this chunk, as far as the stream tells
    spans: tuple[tuple[int, bool], ...] = ()  # a Tandem server's draft tinting


@dataclass
class StreamState:
    finish: FinishReason | None = None
    done: bool = False  # the protocol's end marker arrived ([DONE], or TGI's final event)
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    acceptance: Acceptance | None = None
    server_stats: dict[str, Any] = field(default_factory=dict)  # a Tandem server's usage


def finish_from_openai(reason: Any) -> FinishReason | None:
    if reason == "length":
        return FinishReason.LENGTH
    if reason in ("stop", "eos", "eos_token"):
        return FinishReason.END_OF_SEQUENCE
    if reason == "stop_sequence":
        return FinishReason.STOP_STRING
    if isinstance(reason, str) and reason:
        return FinishReason.END_OF_SEQUENCE
    return None
