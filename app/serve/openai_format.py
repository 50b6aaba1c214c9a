"""OpenAI wire format for `tandem serve`: requests in, chunks and responses out.

Tandem's own figures travel in extension fields that other clients ignore: per chunk
`tandem` (token ids, how many came from the draft, character spans), and in the usage
`tandem` (mode, drafted, accepted, acceptance rate, target steps, tokens per step).
"""

from __future__ import annotations

import time
import uuid
from typing import Any

from app.core.engine.errors import InvalidSettingsError
from app.core.engine.types import (
    FinishReason,
    GenerationRequest,
    GenerationResult,
    Message,
    RunStats,
    StepEvent,
)

DEFAULT_MAX_TOKENS = 256
MAX_MESSAGES = 1000
ROLES = ("system", "user", "assistant")


def _content(raw: Any) -> str:
    if isinstance(raw, str):
        return raw
    if isinstance(raw, list):  # content parts: keep the text ones
        return "".join(str(p.get("text", "")) for p in raw
                       if isinstance(p, dict) and p.get("type") == "text")
    raise InvalidSettingsError("A message's content must be text.", "Send text content.")


def _number(body: dict[str, Any], key: str, kind: type, default: Any) -> Any:
    value = body.get(key)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidSettingsError(f"{key} must be a number.", f"Fix {key} in the request.")
    return kind(value)


def parse_request(body: Any, chat: bool) -> GenerationRequest:
    """An OpenAI request body as a GenerationRequest (raises InvalidSettingsError)."""
    if not isinstance(body, dict):
        raise InvalidSettingsError("The request body must be a JSON object.", "Send JSON.")
    if _number(body, "n", int, 1) != 1:
        raise InvalidSettingsError("Only n=1 is supported.", "Ask for one choice.")
    temperature = _number(body, "temperature", float, 0.0)
    sampling = temperature > 0
    stop = body.get("stop") or []
    stop = [stop] if isinstance(stop, str) else stop
    if not isinstance(stop, list) or not all(isinstance(s, str) for s in stop):
        raise InvalidSettingsError("stop must be a string or a list of strings.", "Fix stop.")
    ext = body.get("tandem") if isinstance(body.get("tandem"), dict) else {}
    assert isinstance(ext, dict)
    common: dict[str, Any] = dict(
        max_new_tokens=_number(body, "max_completion_tokens", int,
                               _number(body, "max_tokens", int, DEFAULT_MAX_TOKENS)),
        do_sample=sampling, temperature=temperature if sampling else 1.0,
        top_p=_number(body, "top_p", float, 1.0), top_k=_number(body, "top_k", int, 0),
        seed=_number(body, "seed", int, None), stop_strings=tuple(stop),
        num_assistant_tokens=_number(ext, "num_assistant_tokens", int, None),
        confidence_threshold=_number(ext, "confidence_threshold", float, None))
    if not chat:
        prompt = body.get("prompt")
        if not isinstance(prompt, str):
            raise InvalidSettingsError("prompt must be one string.", "Send a single prompt.")
        return GenerationRequest(prompt=prompt, **common)
    raw = body.get("messages")
    if not isinstance(raw, list) or not raw:
        raise InvalidSettingsError("messages must be a non-empty list.", "Send the chat.")
    if len(raw) > MAX_MESSAGES:
        raise InvalidSettingsError(f"The chat has {len(raw)} messages; at most "
                                   f"{MAX_MESSAGES} are accepted.",
                                   "Send only the recent part of the conversation.")
    messages = []
    for item in raw:
        if not isinstance(item, dict) or item.get("role") not in ROLES:
            raise InvalidSettingsError("Each message needs a role: system, user or assistant.",
                                       "Fix the messages list.")
        messages.append(Message(str(item["role"]), _content(item.get("content"))))
    return GenerationRequest(messages=tuple(messages), **common)


def finish_reason(stats: RunStats) -> str:
    return "length" if stats.finish_reason == FinishReason.LENGTH.value else "stop"


def usage(result: GenerationResult) -> dict[str, Any]:
    s = result.stats
    return {
        "prompt_tokens": s.input_tokens, "completion_tokens": s.generated_tokens,
        "total_tokens": s.input_tokens + s.generated_tokens,
        "tandem": {
            "mode": s.mode, "device": s.device, "draft_device": s.draft_device,
            "drafted_tokens": s.drafted_tokens, "accepted_tokens": s.accepted_tokens,
            "acceptance_rate": s.acceptance_rate, "target_steps": s.target_steps,
            "tokens_per_step": s.block_efficiency,
            "accepted_histogram": {str(k): v for k, v in s.accepted_histogram.items()},
            "num_assistant_tokens": s.num_assistant_tokens, "finish_reason": s.finish_reason,
            "ttft_ms": s.ttft_ms, "throughput_tps": s.throughput_tps,
        },
    }


class ChunkWriter:
    """Builds the chunks of one streamed answer (chat or text completion)."""

    def __init__(self, model: str, chat: bool) -> None:
        self.model = model
        self.chat = chat
        self.id = ("chatcmpl-" if chat else "cmpl-") + uuid.uuid4().hex[:24]
        self.created = int(time.time())

    def _chunk(self, choice: dict[str, Any] | None, **extra: Any) -> dict[str, Any]:
        return {"id": self.id, "created": self.created, "model": self.model,
                "object": "chat.completion.chunk" if self.chat else "text_completion",
                "choices": [choice] if choice is not None else [], **extra}

    def _choice(self, text: str | None, finish: str | None, role: bool = False
                ) -> dict[str, Any]:
        if self.chat:
            delta: dict[str, Any] = {"role": "assistant"} if role else {}
            if text is not None:
                delta["content"] = text
            return {"index": 0, "delta": delta, "finish_reason": finish}
        return {"index": 0, "text": text or "", "finish_reason": finish}

    def opening(self) -> dict[str, Any]:
        return self._chunk(self._choice("", None, role=True))

    def step(self, event: StepEvent) -> dict[str, Any]:
        return self._chunk(self._choice(event.text, None), tandem={
            "token_ids": list(event.token_ids), "draft_tokens": event.draft_tokens,
            "spans": [list(s) for s in event.spans]})

    def closing(self, result: GenerationResult) -> dict[str, Any]:
        return self._chunk(self._choice(None, finish_reason(result.stats)))

    def usage(self, result: GenerationResult) -> dict[str, Any]:
        return self._chunk(None, usage=usage(result))

    def whole(self, result: GenerationResult) -> dict[str, Any]:
        """A non-streamed response."""
        finish = finish_reason(result.stats)
        if self.chat:
            choice = {"index": 0, "finish_reason": finish,
                      "message": {"role": "assistant", "content": result.text}}
        else:
            choice = {"index": 0, "finish_reason": finish, "text": result.text}
        return {"id": self.id, "created": self.created, "model": self.model,
                "object": "chat.completion" if self.chat else "text_completion",
                "choices": [choice], "usage": usage(result)}


def error_body(message: str, kind: str, code: int) -> dict[str, Any]:
    return {"error": {"message": message, "type": kind, "code": code}}
