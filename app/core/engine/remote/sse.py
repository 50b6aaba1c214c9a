"""Server-sent events over httpx, with a Stop that closes the stream at once.

A blocked read cannot be interrupted from its own thread, so a small watcher thread
shuts the socket down when the stop event is set: the read returns at once and the
caller sees `stopped` instead of an error.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import httpx_sse

from app.core.engine.remote.endpoint import Endpoint, redact_url
from app.core.engine.remote.errors import EndpointProtocolError
from app.core.engine.remote.http import status_error

WATCH_INTERVAL_S = 0.02
MAX_ERROR_BODY = 4096


class StopWatcher:
    """Shuts a response's socket down when `stop` is set; ends when the stream ends."""

    def __init__(self, response: httpx.Response, stop: threading.Event | None) -> None:
        self._response = response
        self._stop = stop
        self._done = threading.Event()
        self.fired = False
        self._thread: threading.Thread | None = None
        if stop is not None:
            self._thread = threading.Thread(target=self._watch, name="tandem-remote-stop",
                                            daemon=True)
            self._thread.start()

    def _watch(self) -> None:
        assert self._stop is not None
        while not self._done.is_set():
            if self._stop.wait(WATCH_INTERVAL_S):
                self.fired = True
                self._shutdown()
                return

    def _shutdown(self) -> None:
        stream = self._response.extensions.get("network_stream")
        sock = stream.get_extra_info("socket") if stream is not None else None
        if isinstance(sock, socket.socket):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        self._done.set()
        if self._thread is not None:
            self._thread.join(1.0)


@contextlib.contextmanager
def open_event_stream(client: httpx.Client, endpoint: Endpoint, path: str,
                      payload: dict[str, Any],
                      stop: threading.Event | None) -> Iterator[EventStream]:
    with httpx_sse.connect_sse(client, "POST", path, json=payload) as source:
        response = source.response
        if response.status_code != 200:
            body = response.read()[:MAX_ERROR_BODY].decode("utf-8", "replace")
            raise status_error(response.status_code, body, endpoint)
        stream = EventStream(source, endpoint, stop)
        try:
            yield stream
        finally:
            stream.watcher.close()


class EventStream:
    def __init__(self, source: httpx_sse.EventSource, endpoint: Endpoint,
                 stop: threading.Event | None) -> None:
        self._source = source
        self._endpoint = endpoint
        self.watcher = StopWatcher(source.response, stop)

    @property
    def stopped(self) -> bool:
        return self.watcher.fired

    def events(self) -> Iterator[httpx_sse.ServerSentEvent]:
        try:
            yield from self._source.iter_sse()
        except httpx_sse.SSEError as exc:
            raise EndpointProtocolError(
                f"{redact_url(self._endpoint.url)} did not answer with an event stream.",
                "Check the protocol (OpenAI or TGI) in the endpoint editor.") from exc
        except httpx.TransportError:
            if self.watcher.fired:
                return  # our own Stop closed the socket
            raise
