"""The OpenAI-compatible protocol: /v1/chat/completions (and /v1/completions for raw text).

Streams `data: {chunk}` lines ending with `data: [DONE]`; with
`stream_options.include_usage` a last chunk (no choices) carries the usage, where vLLM
also puts per-request speculative metrics and a Tandem server its own statistics.
"""

from __future__ import annotations

import json
from typing import Any

from app.core.engine.remote import acceptance
from app.core.engine.remote.endpoint import Endpoint, redact_url
from app.core.engine.remote.errors import EndpointProtocolError
from app.core.engine.remote.stream_state import Piece, StreamState, finish_from_openai
from app.core.engine.types import GenerationRequest

DONE = "[DONE]"


def build_payload(request: GenerationRequest, model: str,
                  tandem_extension: bool) -> tuple[str, dict[str, Any]]:
    payload: dict[str, Any] = {
        "model": model, "stream": True, "stream_options": {"include_usage": True},
        "max_tokens": request.max_new_tokens,
        # Greedy is temperature 0 in this protocol.
        "temperature": request.temperature if request.do_sample else 0.0,
    }
    if request.do_sample:
        payload["top_p"] = request.top_p
        if request.top_k > 0:
            payload["top_k"] = request.top_k
        if request.seed is not None:
            payload["seed"] = request.seed
    if request.stop_strings:
        payload["stop"] = list(request.stop_strings)
    if tandem_extension and (request.num_assistant_tokens is not None
                             or request.confidence_threshold is not None):
        payload["tandem"] = {"num_assistant_tokens": request.num_assistant_tokens,
                             "confidence_threshold": request.confidence_threshold}
    if request.messages:
        payload["messages"] = [{"role": m.role, "content": m.content} for m in request.messages]
        return "/v1/chat/completions", payload
    payload["prompt"] = request.prompt
    return "/v1/completions", payload


def parse_event(data: str, state: StreamState, endpoint: Endpoint) -> Piece | None:
    """Fold one `data:` payload into the state; return the text it carries, if any."""
    if data.strip() == DONE:
        state.done = True
        return None
    try:
        chunk = json.loads(data)
    except ValueError as exc:
        raise EndpointProtocolError(
            f"{redact_url(endpoint.url)} sent an event that is not JSON.",
            "Check that the protocol is right for this server (OpenAI or TGI).") from exc
    if not isinstance(chunk, dict):
        raise EndpointProtocolError(f"{redact_url(endpoint.url)} sent an unexpected event.",
                                    "Check the endpoint's protocol.")
    if "error" in chunk:
        raise server_error(chunk["error"], endpoint)
    usage = chunk.get("usage")
    if isinstance(usage, dict):
        state.prompt_tokens = _int_or(usage.get("prompt_tokens"), state.prompt_tokens)
        state.completion_tokens = _int_or(usage.get("completion_tokens"),
                                          state.completion_tokens)
        if isinstance(usage.get("tandem"), dict):
            state.server_stats = dict(usage["tandem"])
    found = acceptance.from_chunk(chunk)
    if found is not None:
        state.acceptance = found
    choices = chunk.get("choices") or []
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        return None
    choice = choices[0]
    reason = finish_from_openai(choice.get("finish_reason"))
    if reason is not None:
        state.finish = reason
    delta = choice.get("delta")
    text = delta.get("content") if isinstance(delta, dict) else choice.get("text")
    raw_ext = chunk.get("tandem")
    ext: dict[str, Any] = raw_ext if isinstance(raw_ext, dict) else {}
    if not text and not ext.get("token_ids"):
        return None
    ids = tuple(int(i) for i in ext.get("token_ids", ()) if isinstance(i, int))
    text = text if isinstance(text, str) else ""
    return Piece(text=text, token_ids=ids, draft_tokens=int(ext.get("draft_tokens", 0) or 0),
                 tokens=len(ids) if ids else 1, spans=_spans(ext.get("spans"), text))


def _spans(raw: Any, text: str) -> tuple[tuple[int, bool], ...]:
    """A Tandem server's runs of (characters, from draft); ignored unless they fit."""
    if not isinstance(raw, list):
        return ()
    try:
        spans = tuple((int(n), bool(d)) for n, d in raw)
    except (TypeError, ValueError):
        return ()
    return spans if sum(n for n, _ in spans) == len(text) else ()


def server_error(error: Any, endpoint: Endpoint) -> EndpointProtocolError:
    message = error.get("message") if isinstance(error, dict) else error
    text = " ".join(str(message).split())[:300]
    return EndpointProtocolError(f"{redact_url(endpoint.url)} reported an error: {text}",
                                 "Check the request settings and the server's log.")


def _int_or(value: Any, default: int | None) -> int | None:
    return int(value) if isinstance(value, int) and not isinstance(value, bool) else default

