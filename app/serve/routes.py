"""The Starlette application of `tandem serve`: /v1/models and the completion routes.

Requests are bridged to the engine worker thread: its callbacks post events into this
event loop's queue. A client that disconnects sets the job's stop event, so the engine
stops at its next step (or skips the job if it was still queued).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from sse_starlette import EventSourceResponse, ServerSentEvent
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from app.core.engine.errors import InvalidSettingsError, PromptTooLongError, TandemError
from app.core.engine.types import GenerationResult, StepEvent
from app.core.engine.validation import validate_request
from app.serve.auth import authorised
from app.serve.engine_worker import EngineWorker, Job, QueueFullError
from app.serve.guard import BadBody, HostOriginGuard, is_loopback, read_json_body
from app.serve.openai_format import ChunkWriter, error_body, parse_request


@dataclass(frozen=True)
class ServeConfig:
    model_name: str
    api_key: str | None = None
    bound_host: str = "127.0.0.1"  # requests must name it (or loopback) as their Host


def _error(status: int, message: str, kind: str) -> JSONResponse:
    return JSONResponse(error_body(message, kind, status), status_code=status)


def _sse(data: dict[str, Any] | str) -> ServerSentEvent:
    return ServerSentEvent(data=data if isinstance(data, str) else json.dumps(data), sep="\n")


class DisconnectAwareStream(EventSourceResponse):
    """Server-sent events (sse-starlette: it watches for the client's disconnect and ends
    the stream); sets `stop` once the response is over, however it ended, so the engine
    stops at its next step."""

    def __init__(self, content: AsyncIterator[ServerSentEvent], stop: Any) -> None:
        # No keep-alive pings: every engine step sends an event.
        super().__init__(content, headers={"Cache-Control": "no-cache"}, sep="\n",
                         ping=0)
        self._stop = stop

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        except OSError:
            pass  # the client went away mid-send
        finally:
            self._stop.set()


def build_app(worker: EngineWorker, config: ServeConfig) -> ASGIApp:
    async def models(request: Request) -> Response:
        if not authorised(request, config.api_key):
            return _error(401, "Missing or wrong API key.", "authentication_error")
        return JSONResponse({"object": "list", "data": [{
            "id": config.model_name, "object": "model", "created": int(time.time()),
            "owned_by": "tandem"}]})

    async def health(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def chat(request: Request) -> Response:
        return await _complete(request, chat=True)

    async def completions(request: Request) -> Response:
        return await _complete(request, chat=False)

    async def _complete(request: Request, chat: bool) -> Response:
        if not authorised(request, config.api_key):
            return _error(401, "Missing or wrong API key.", "authentication_error")
        try:
            body = await read_json_body(request)
        except BadBody as exc:
            return _error(exc.status, exc.message, "invalid_request_error")
        try:
            gen_request = parse_request(body, chat)
            session = worker.session
            if session is not None:  # refuse impossible settings before queueing
                validate_request(gen_request, session.mode, session.spec.on_npu)
        except InvalidSettingsError as exc:
            return _error(400, str(exc), "invalid_request_error")
        model = body.get("model") if isinstance(body, dict) else None
        if model not in (None, "", config.model_name):
            return _error(404, f"The model {str(model)[:100]!r} does not exist here; this "
                               f"server has {config.model_name!r}.", "not_found_error")
        loop = asyncio.get_running_loop()
        inbox: asyncio.Queue[tuple[str, Any, Any]] = asyncio.Queue()

        def post(item: tuple[str, Any, Any]) -> None:
            try:
                loop.call_soon_threadsafe(inbox.put_nowait, item)
            except RuntimeError:
                pass  # the server is shutting down

        job = Job(gen_request, on_event=lambda e: post(("event", e, None)),
                  on_done=lambda r, e: post(("done", r, e)))
        try:
            worker.submit(job)
        except QueueFullError:
            return _error(429, "The server is busy; the queue is full.", "rate_limit_error")
        writer = ChunkWriter(config.model_name, chat)
        if body.get("stream"):
            options = body.get("stream_options")
            with_usage = isinstance(options, dict) and bool(options.get("include_usage"))
            # The status is decided by the first thing the engine says: a request it
            # refuses (a prompt too long for the context) is a 400, not an SSE error.
            first = await _next_item(request, inbox, job)
            if first is None:
                return Response(status_code=499)
            kind, value, error = first
            if kind == "done" and (error is not None or value is None):
                body = _failure(error or RuntimeError("cancelled"))
                return JSONResponse(body, status_code=body["error"]["code"])
            return DisconnectAwareStream(_stream(inbox, writer, with_usage, first), job.stop)
        return await _whole(request, inbox, writer, job)

    app = Starlette(routes=[
        Route("/health", health), Route("/v1/models", models),
        Route("/v1/chat/completions", chat, methods=["POST"]),
        Route("/v1/completions", completions, methods=["POST"]),
    ])
    return HostOriginGuard(app, config.bound_host, is_loopback(config.bound_host))


def _failure(error: BaseException) -> dict[str, Any]:
    if isinstance(error, InvalidSettingsError | PromptTooLongError):
        return error_body(str(error), "invalid_request_error", 400)
    text = str(error) if isinstance(error, TandemError) else "Generation failed."
    return error_body(text, "server_error", 500)


async def _next_item(request: Request, inbox: asyncio.Queue[tuple[str, Any, Any]],
                     job: Job) -> tuple[str, Any, Any] | None:
    """The engine's first event or result; None (and the job stopped) if the client left."""
    while True:
        try:
            return await asyncio.wait_for(inbox.get(), 0.25)
        except TimeoutError:
            if await request.is_disconnected():
                job.stop.set()
                return None


async def _stream(inbox: asyncio.Queue[tuple[str, Any, Any]], writer: ChunkWriter,
                  with_usage: bool, first: tuple[str, Any, Any]) -> AsyncIterator[ServerSentEvent]:
    yield _sse(writer.opening())
    item: tuple[str, Any, Any] | None = first
    while True:
        kind, value, error = item if item is not None else await inbox.get()
        item = None
        if kind == "event":
            event: StepEvent = value
            yield _sse(writer.step(event))
            continue
        if error is not None or value is None:
            yield _sse(_failure(error or RuntimeError("cancelled")))
            return
        result: GenerationResult = value
        yield _sse(writer.closing(result))
        if with_usage:
            yield _sse(writer.usage(result))
        yield _sse("[DONE]")
        return


async def _whole(request: Request, inbox: asyncio.Queue[tuple[str, Any, Any]],
                 writer: ChunkWriter, job: Job) -> Response:
    """Wait for the result, stopping the job if the client disconnects meanwhile."""
    try:
        while True:
            try:
                kind, value, error = await asyncio.wait_for(inbox.get(), 0.25)
            except TimeoutError:
                if await request.is_disconnected():
                    return Response(status_code=499)
                continue
            if kind != "done":
                continue
            if error is not None or value is None:
                body = _failure(error or RuntimeError("cancelled"))
                return JSONResponse(body, status_code=body["error"]["code"])
            return JSONResponse(writer.whole(value))
    finally:
        job.stop.set()
