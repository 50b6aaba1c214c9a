"""The remote client against `tandem serve` on the demo pair: the same text, with stats."""

from __future__ import annotations

import httpx
import pytest

from app.core.engine import GenerationRequest
from app.core.engine.remote import Endpoint, RemoteSession
from app.core.engine.remote.acceptance import SOURCE_TANDEM
from tests.serve.conftest import API_KEY, MODEL

PROMPTS = ["Write a Python function to add two numbers.", "Tell me about speculative decoding."]


@pytest.mark.parametrize("prompt", PROMPTS)
def test_streamed_chat_equals_local_engine(served, slow, draft_session, prompt):
    request = GenerationRequest.chat(prompt, max_new_tokens=48, num_assistant_tokens=3)
    local = draft_session.generate(request)
    events = []
    with RemoteSession(Endpoint(served.url), api_key=API_KEY) as remote:
        assert remote.kind == "tandem" and remote.model == MODEL
        result = remote.generate(request, events.append)
    assert result.text == local.text
    assert result.token_ids == local.token_ids
    # One event per engine step, with the draft's share of each step.
    assert [e.draft_tokens for e in events] == [e.draft_tokens for e in local.steps]
    assert "".join(e.text for e in events) == local.text
    stats, want = result.stats, local.stats
    assert stats.mode == "remote" and stats.acceptance_source == SOURCE_TANDEM
    assert (stats.generated_tokens, stats.input_tokens) == (want.generated_tokens,
                                                            want.input_tokens)
    assert (stats.drafted_tokens, stats.accepted_tokens) == (want.drafted_tokens,
                                                             want.accepted_tokens)
    assert stats.target_steps == want.target_steps
    assert stats.accepted_histogram == want.accepted_histogram
    assert stats.finish_reason == want.finish_reason
    assert stats.ttft_ms > 0


def test_raw_completion_equals_local_engine(served, slow, draft_session):
    request = GenerationRequest(prompt="def add(a, b):", max_new_tokens=24,
                                num_assistant_tokens=2)
    local = draft_session.generate(request)
    with RemoteSession(Endpoint(served.url), api_key=API_KEY) as remote:
        result = remote.generate(request)
    assert result.text == local.text
    assert result.stats.accepted_tokens == local.stats.accepted_tokens


def test_non_streaming_response_has_usage(served, slow, draft_session):
    body = {"model": MODEL, "max_tokens": 32,
            "messages": [{"role": "user", "content": PROMPTS[0]}]}
    reply = httpx.post(f"{served.url}/v1/chat/completions", json=body, timeout=30,
                       headers={"Authorization": f"Bearer {API_KEY}"})
    assert reply.status_code == 200
    data = reply.json()
    local = draft_session.generate(GenerationRequest.chat(PROMPTS[0], max_new_tokens=32))
    assert data["choices"][0]["message"]["content"] == local.text
    usage = data["usage"]
    assert usage["completion_tokens"] == local.stats.generated_tokens
    assert usage["tandem"]["mode"] == "draft"
    assert usage["tandem"]["accepted_tokens"] == local.stats.accepted_tokens


def test_bad_requests_are_explained(served, slow):
    auth = {"Authorization": f"Bearer {API_KEY}"}
    reply = httpx.post(f"{served.url}/v1/chat/completions", headers=auth, timeout=10,
                       json={"model": MODEL, "messages": []})
    assert reply.status_code == 400 and "messages" in reply.json()["error"]["message"]
    reply = httpx.post(f"{served.url}/v1/chat/completions", headers=auth, timeout=10,
                       json={"model": "gpt-9", "messages": [{"role": "user", "content": "x"}]})
    assert reply.status_code == 404 and MODEL in reply.json()["error"]["message"]
