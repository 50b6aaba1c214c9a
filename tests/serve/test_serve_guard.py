"""`tandem serve` hardening (issue 13 item 9), each case over loopback HTTP:
Host (DNS rebinding), Origin, Content-Type, body size, message count, nesting depth,
a prompt too long for the context, and settings refused before queueing."""

from __future__ import annotations

import json

import httpx

from app.serve.guard import MAX_BODY_BYTES
from app.serve.openai_format import MAX_MESSAGES
from tests.serve.conftest import API_KEY, MODEL

AUTH = {"Authorization": f"Bearer {API_KEY}"}
CHAT = {"model": MODEL, "max_tokens": 8, "messages": [{"role": "user", "content": "Hello!"}]}


def _post(served, body: bytes | dict, headers: dict[str, str] | None = None,
          path: str = "/v1/chat/completions") -> httpx.Response:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    merged = {"Content-Type": "application/json", **AUTH, **(headers or {})}
    return httpx.post(f"{served.url}{path}", content=raw, headers=merged, timeout=30)


def _refused_before_the_engine(served, before: int) -> None:
    assert served.worker.pending == 0 and len(served.worker.finished) == before


def test_a_foreign_host_header_is_refused(served, slow):
    # DNS rebinding: a page whose own name now resolves to 127.0.0.1 sends its name.
    before = len(served.worker.finished)
    reply = _post(served, CHAT, {"Host": f"attacker.example:{served.port}"})
    assert reply.status_code == 403 and "attacker.example" in reply.json()["error"]["message"]
    reply = httpx.get(f"{served.url}/v1/models", headers={**AUTH, "Host": "attacker.example"},
                      timeout=10)
    assert reply.status_code == 403
    _refused_before_the_engine(served, before)
    for host in (f"localhost:{served.port}", f"127.0.0.1:{served.port}"):
        assert httpx.get(f"{served.url}/v1/models", headers={**AUTH, "Host": host},
                         timeout=10).status_code == 200


def test_a_cross_origin_browser_request_is_refused(served, slow):
    before = len(served.worker.finished)
    reply = _post(served, CHAT, {"Origin": "https://attacker.example"})
    assert reply.status_code == 403 and "Cross-origin" in reply.json()["error"]["message"]
    _refused_before_the_engine(served, before)
    same = _post(served, CHAT, {"Origin": f"http://127.0.0.1:{served.port}"})
    assert same.status_code == 200


def test_a_body_that_is_not_declared_json_is_refused(served, slow):
    # A page may POST text/plain without a preflight; Starlette would parse it anyway.
    before = len(served.worker.finished)
    reply = _post(served, CHAT, {"Content-Type": "text/plain"})
    assert reply.status_code == 415 and "application/json" in reply.json()["error"]["message"]
    _refused_before_the_engine(served, before)


def test_a_body_over_the_size_cap_is_refused(served, slow):
    big = {**CHAT, "messages": [{"role": "user", "content": "x" * (MAX_BODY_BYTES + 10)}]}
    reply = _post(served, big)
    assert reply.status_code == 413 and "MiB" in reply.json()["error"]["message"]


def test_too_many_messages_are_refused(served, slow):
    many = {**CHAT, "messages": [{"role": "user", "content": "hi"}] * (MAX_MESSAGES + 1)}
    reply = _post(served, many)
    assert reply.status_code == 400 and str(MAX_MESSAGES) in reply.json()["error"]["message"]


def test_deeply_nested_json_is_a_400(served, slow):
    reply = _post(served, b"[" * 100_000 + b"]" * 100_000)
    assert reply.status_code == 400 and "nested" in reply.json()["error"]["message"]
    reply = _post(served, b'{"model": ' + b"[" * 100_000)  # and unterminated
    assert reply.status_code == 400


def test_a_prompt_too_long_for_the_context_is_a_400(served, slow):
    # The demo target's context holds 512 tokens.
    long_chat = {**CHAT, "messages": [{"role": "user", "content": "the cat sat. " * 800}]}
    for stream in (False, True):
        reply = _post(served, {**long_chat, "stream": stream})
        assert reply.status_code == 400, (stream, reply.text[:300])
        error = reply.json()["error"]
        assert error["type"] == "invalid_request_error" and "context" in error["message"]


def test_impossible_settings_are_refused_before_queueing(served, slow):
    before = len(served.worker.finished)
    for stream in (False, True):
        reply = _post(served, {**CHAT, "max_tokens": 0, "stream": stream})
        assert reply.status_code == 400, reply.text[:300]
        assert "max_new_tokens" in reply.json()["error"]["message"]
    _refused_before_the_engine(served, before)
