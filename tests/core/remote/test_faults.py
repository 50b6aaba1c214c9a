"""Faults: each gives a clear TandemError, and the text streamed so far is kept."""

from __future__ import annotations

import socket
import threading
import time

import pytest

from app.core.engine import GenerationRequest
from app.core.engine.errors import TandemError
from app.core.engine.remote import Endpoint, Protocol, RemoteSession
from app.core.engine.remote.errors import (
    EndpointAuthError,
    EndpointProtocolError,
    EndpointStreamBrokenError,
    EndpointTimeoutError,
    EndpointUnreachableError,
)
from tests.fixtures.tgi_server import TOKENS

SECRET = "sk-test-never-shown-0123456789"
CHAT = GenerationRequest.chat("Hi", max_new_tokens=6)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _run(url: str, protocol: Protocol = Protocol.AUTO, read_timeout: float = 5.0,
         openai: bool = False):
    endpoint = Endpoint(url, protocol=protocol, read_timeout_s=read_timeout,
                        model="m" if openai else "")
    events = []
    with pytest.raises(TandemError) as caught, RemoteSession(endpoint, api_key=SECRET) as s:
        s.generate(CHAT, events.append)
    error = caught.value
    assert SECRET not in str(error) and SECRET not in error.hint
    assert error.message and error.hint  # a sentence and what to do next
    return error, "".join(e.text for e in events)


def test_server_down():
    started = time.monotonic()
    endpoint = Endpoint(f"http://127.0.0.1:{_free_port()}", connect_timeout_s=1.0)
    with pytest.raises(EndpointUnreachableError) as caught:
        RemoteSession(endpoint, api_key=SECRET)
    assert "Could not connect" in caught.value.message
    assert SECRET not in str(caught.value)
    assert time.monotonic() - started < 10  # bounded retry on connect


@pytest.mark.parametrize("protocol", [Protocol.AUTO, Protocol.TGI])
def test_unauthorised(scripted, protocol):
    scripted.script.kind = "unauthorised"
    endpoint = Endpoint(scripted.url, protocol=protocol)
    with pytest.raises(EndpointAuthError) as caught:
        with RemoteSession(endpoint, api_key=SECRET) as session:
            session.generate(CHAT)
    assert "401" in caught.value.message and "key" in caught.value.hint.lower()
    assert SECRET not in str(caught.value)
    # The key did travel, as a bearer token, over loopback.
    assert scripted.script.seen_auth[-1] == f"Bearer {SECRET}"


@pytest.mark.parametrize("openai", [False, True])
def test_drop_mid_stream(scripted, openai):
    scripted.script.kind = "drop"
    scripted.script.openai_routes = openai
    error, streamed = _run(scripted.url, Protocol.OPENAI if openai else Protocol.TGI,
                           openai=openai)
    assert isinstance(error, EndpointStreamBrokenError)
    assert error.partial_text == streamed == "".join(TOKENS[:2])
    assert "kept" in error.hint


@pytest.mark.parametrize("openai", [False, True])
def test_malformed_event(scripted, openai):
    scripted.script.kind = "malformed"
    scripted.script.openai_routes = openai
    error, streamed = _run(scripted.url, Protocol.OPENAI if openai else Protocol.TGI,
                           openai=openai)
    assert isinstance(error, EndpointProtocolError)
    assert "not JSON" in error.message
    assert error.partial_text == streamed == "".join(TOKENS[:2])


def test_stall_past_read_timeout(scripted):
    scripted.script.kind = "stall"
    started = time.monotonic()
    error, streamed = _run(scripted.url, Protocol.TGI, read_timeout=0.5)
    elapsed = time.monotonic() - started
    assert isinstance(error, EndpointTimeoutError)
    assert "0.5 s" in error.message
    assert error.partial_text == streamed == "".join(TOKENS[:2])
    assert elapsed < scripted.script.stall_s  # gave up at the read timeout, not the stall


def test_stop_closes_a_stalled_stream_at_once(scripted):
    scripted.script.kind = "stall"
    stop = threading.Event()
    outcome = {}
    session = RemoteSession(Endpoint(scripted.url, protocol=Protocol.TGI, read_timeout_s=30))

    def work():
        outcome["result"] = session.generate(CHAT, None, stop)

    worker = threading.Thread(target=work, daemon=True)
    worker.start()
    assert scripted.stall_started.wait(5)
    pressed = time.monotonic()
    stop.set()
    worker.join(5)
    waited = time.monotonic() - pressed
    session.close()
    assert not worker.is_alive()
    assert waited < 1.0, f"Stop took {waited:.2f} s"
    result = outcome["result"]
    assert result.text == "".join(TOKENS[:2])
    assert result.stats.finish_reason == "stopped"


def test_unknown_route_is_a_protocol_hint(scripted):
    # A TGI-only server asked for the OpenAI route: 404, with a hint about the protocol.
    error, _ = _run(scripted.url, Protocol.OPENAI, openai=True)
    assert isinstance(error, EndpointProtocolError)
    assert "404" in error.message and "protocol" in error.hint.lower()
