"""TGI's native protocol: POST /generate_stream, one server-sent event per token.

Each event carries `token` (id, text, logprob, special); the last one also carries
`generated_text` and `details` (finish reason, generated token count). There is no
`[DONE]` line; errors arrive as `{"error", "error_type"}` events.

/generate_stream takes one text, not messages: a chat is sent as a plain transcript.
Prefer the OpenAI protocol (TGI's Messages API), which applies the model's chat template.
"""

from __future__ import annotations

import json
from typing import Any

from app.core.engine.remote.endpoint import Endpoint, redact_url
from app.core.engine.remote.errors import EndpointProtocolError
from app.core.engine.remote.stream_state import Piece, StreamState
from app.core.engine.types import FinishReason, GenerationRequest

_FINISH = {"length": FinishReason.LENGTH, "eos_token": FinishReason.END_OF_SEQUENCE,
           "stop_sequence": FinishReason.STOP_STRING}


def transcript(request: GenerationRequest) -> str:
    if request.prompt is not None:
        return request.prompt
    lines = [f"{m.role}: {m.content}" for m in request.messages]
    return "\n".join([*lines, "assistant:"])


def build_payload(request: GenerationRequest) -> tuple[str, dict[str, Any]]:
    params: dict[str, Any] = {"max_new_tokens": request.max_new_tokens,
                              "do_sample": request.do_sample, "details": True}
    if request.do_sample:
        params["temperature"] = request.temperature
        if 0.0 < request.top_p < 1.0:  # TGI rejects top_p == 1.0
            params["top_p"] = request.top_p
        if request.top_k > 0:
            params["top_k"] = request.top_k
        if request.seed is not None:
            params["seed"] = request.seed
    if request.stop_strings:
        params["stop"] = list(request.stop_strings)
    return "/generate_stream", {"inputs": transcript(request), "parameters": params}


def parse_event(data: str, state: StreamState, endpoint: Endpoint) -> Piece | None:
    where = redact_url(endpoint.url)
    try:
        event = json.loads(data)
    except ValueError as exc:
        raise EndpointProtocolError(f"{where} sent an event that is not JSON.",
                                    "Check that the protocol is right for this server.") \
            from exc
    if not isinstance(event, dict):
        raise EndpointProtocolError(f"{where} sent an unexpected event.",
                                    "Check the endpoint's protocol.")
    if "error" in event:
        kind = event.get("error_type") or "error"
        text = " ".join(str(event["error"]).split())[:300]
        raise EndpointProtocolError(f"{where} reported a {kind} error: {text}",
                                    "Check the request settings and the server's log.")
    token = event.get("token")
    if not isinstance(token, dict):
        raise EndpointProtocolError(f"{where} sent an event without a token.",
                                    "Check that this is a TGI server, or use the OpenAI "
                                    "protocol.")
    details = event.get("details")
    if event.get("generated_text") is not None:
        state.done = True
        if isinstance(details, dict):
            state.finish = _FINISH.get(str(details.get("finish_reason")),
                                       FinishReason.END_OF_SEQUENCE)
            generated = details.get("generated_tokens")
            if isinstance(generated, int):
                state.completion_tokens = generated
            prefill = details.get("prefill")
            if isinstance(prefill, list) and prefill:
                state.prompt_tokens = len(prefill)
    token_id = token.get("id")
    ids = (int(token_id),) if isinstance(token_id, int) else ()
    # Special tokens (</s>, <|eot_id|>) count as tokens but are not part of the answer.
    text = "" if token.get("special") else str(token.get("text") or "")
    return Piece(text=text, token_ids=ids, tokens=1)
