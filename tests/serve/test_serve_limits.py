"""`tandem serve` under pressure: keys, a bounded queue, disconnects, exposure rules."""

from __future__ import annotations

import threading
import time

import httpx
import pytest

from app.core.engine import GenerationRequest
from app.core.engine.errors import InvalidSettingsError
from app.core.engine.remote import Endpoint, RemoteSession
from app.core.engine.remote.errors import EndpointAuthError
from app.serve.server import check_exposure
from tests.serve.conftest import API_KEY, MODEL

LONG_CHAT = {"model": MODEL, "max_tokens": 64, "stream": True,
             "messages": [{"role": "user", "content": "Write a Python function to add two "
                                                     "numbers."}]}


def _auth(key: str = API_KEY) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def test_missing_or_wrong_key_is_refused_and_never_echoed(served, slow):
    wrong = API_KEY[::-1]
    for headers in ({}, _auth(wrong), {"Authorization": API_KEY}):
        for method, path in (("GET", "/v1/models"), ("POST", "/v1/chat/completions")):
            reply = httpx.request(method, f"{served.url}{path}", headers=headers,
                                  json=LONG_CHAT, timeout=10)
            assert reply.status_code == 401
            raw = reply.text + "".join(f"{k}: {v}" for k, v in reply.headers.items())
            assert API_KEY not in raw and wrong not in raw
    with pytest.raises(EndpointAuthError) as caught:
        RemoteSession(Endpoint(served.url), api_key=wrong)
    assert wrong not in str(caught.value) and API_KEY not in str(caught.value)
    assert served.worker.pending == 0  # refused before reaching the engine


def test_burst_beyond_the_queue_gets_429(served, slow):
    slow.step_delay_s = 0.05  # each answer takes about a second
    statuses: list[int] = []
    finished: list[bool] = []
    lock = threading.Lock()

    def client() -> None:
        with httpx.Client(timeout=30) as http, \
                http.stream("POST", f"{served.url}/v1/chat/completions", json=LONG_CHAT,
                            headers=_auth()) as reply:
            body = reply.read().decode()
            with lock:
                statuses.append(reply.status_code)
                if reply.status_code == 200:
                    finished.append(body.rstrip().endswith("data: [DONE]"))

    burst = [threading.Thread(target=client, daemon=True) for _ in range(6)]
    started = time.monotonic()
    for thread in burst:
        thread.start()
    for thread in burst:
        thread.join(30)
    assert time.monotonic() - started < 30
    # One running plus a queue of one: at most two are admitted while the burst lasts.
    assert sorted(statuses).count(429) >= 3, statuses
    assert 200 in statuses and all(finished), (statuses, finished)


def test_client_disconnect_stops_generation(served, slow, draft_session):
    request = GenerationRequest.chat(LONG_CHAT["messages"][0]["content"], max_new_tokens=64)
    full = draft_session.generate(request).stats.generated_tokens
    assert full > 8  # long enough to cut in the middle
    slow.step_delay_s = 0.2
    before = len(served.worker.finished)
    with httpx.Client(timeout=30) as http, \
            http.stream("POST", f"{served.url}/v1/chat/completions", json=LONG_CHAT,
                        headers=_auth()) as reply:
        assert reply.status_code == 200
        for line in reply.iter_lines():
            if '"tandem"' in line:  # the first engine step has arrived: hang up
                break
    left = time.monotonic()
    while served.worker.pending and time.monotonic() - left < 5:
        time.sleep(0.01)
    freed_after = time.monotonic() - left
    assert served.worker.pending == 0, "the engine is still busy after the client left"
    assert freed_after < 2.0
    stopped = served.worker.finished[before]
    assert stopped.stats.finish_reason == "stopped"
    assert stopped.stats.generated_tokens < full
    # The engine takes the next request at once.
    slow.step_delay_s = 0.0
    with RemoteSession(Endpoint(served.url), api_key=API_KEY) as remote:
        assert remote.generate(request).text == draft_session.generate(request).text


def test_stop_from_the_client_frees_the_server(served, slow):
    slow.step_delay_s = 0.2
    stop = threading.Event()
    first = threading.Event()
    outcome = {}

    def sink(event):
        if event.text:
            first.set()

    remote = RemoteSession(Endpoint(served.url), api_key=API_KEY)
    worker = threading.Thread(target=lambda: outcome.setdefault("r", remote.generate(
        GenerationRequest.chat("Write a Python function to add two numbers.",
                               max_new_tokens=64), sink, stop)), daemon=True)
    worker.start()
    assert first.wait(10)
    pressed = time.monotonic()
    stop.set()
    worker.join(5)
    assert time.monotonic() - pressed < 1.0
    remote.close()
    assert outcome["r"].stats.finish_reason == "stopped"
    deadline = time.monotonic() + 5
    while served.worker.pending and time.monotonic() < deadline:
        time.sleep(0.01)
    assert served.worker.pending == 0


def test_other_addresses_need_a_flag_and_a_key():
    check_exposure("127.0.0.1", False, None)
    check_exposure("::1", False, None)
    with pytest.raises(InvalidSettingsError, match="--allow-remote"):
        check_exposure("0.0.0.0", False, "k")
    with pytest.raises(InvalidSettingsError, match="API key"):
        check_exposure("192.168.1.5", True, None)
    check_exposure("0.0.0.0", True, "k")
