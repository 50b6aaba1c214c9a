"""The remote client against a TGI-framing server: token events, final details, errors."""

from __future__ import annotations

import pytest

from app.core.engine import GenerationRequest
from app.core.engine.remote import Endpoint, Protocol, RemoteSession, probe
from app.core.engine.remote.errors import EndpointProtocolError
from tests.fixtures.tgi_server import MODEL_ID, TOKENS


def test_detects_tgi_from_info(scripted):
    info = probe(Endpoint(scripted.url), None)
    assert info.protocol is Protocol.TGI
    assert info.kind == "tgi"
    assert info.models == (MODEL_ID,)
    assert info.latency_ms > 0


def test_token_events_and_final_details(scripted):
    session = RemoteSession(Endpoint(scripted.url))
    events = []
    result = session.generate(GenerationRequest.chat("Hi", max_new_tokens=4), events.append)
    session.close()
    # One event per streamed token, with the token id, and nothing marked as drafted.
    assert [e.text for e in events] == TOKENS[:4]
    assert [e.token_ids for e in events] == [(100,), (101,), (102,), (103,)]
    assert all(e.draft_tokens == 0 for e in events)
    assert result.text == "".join(TOKENS[:4])
    stats = result.stats
    assert stats.mode == "remote"
    assert stats.generated_tokens == 4  # from details.generated_tokens
    assert stats.finish_reason == "length"
    assert stats.ttft_ms > 0 and stats.wall_time_s > 0
    assert stats.acceptance_rate is None and stats.drafted_tokens is None
    assert stats.acceptance_source == "not reported"
    assert "acceptance not reported" in stats.summary()
    # The request was framed for /generate_stream.
    sent = scripted.script.requests[-1]
    assert sent["parameters"]["max_new_tokens"] == 4 and sent["parameters"]["details"]
    assert sent["inputs"].endswith("assistant:")


def test_end_of_sequence_from_details(scripted):
    with RemoteSession(Endpoint(scripted.url, protocol=Protocol.TGI)) as session:
        result = session.generate(GenerationRequest(prompt="Hi", max_new_tokens=50))
    assert result.text == "".join(TOKENS)
    assert result.stats.finish_reason == "end_of_sequence"
    assert scripted.script.requests[-1]["inputs"] == "Hi"


def test_error_event_is_a_clear_error_and_keeps_the_text(scripted):
    scripted.script.kind = "error"
    events = []
    session = RemoteSession(Endpoint(scripted.url))
    with pytest.raises(EndpointProtocolError) as caught:
        session.generate(GenerationRequest.chat("Hi", max_new_tokens=6), events.append)
    session.close()
    assert "boom" in caught.value.message and "generation" in caught.value.message
    assert caught.value.hint
    assert caught.value.partial_text == "".join(TOKENS[:2])
    assert "".join(e.text for e in events) == caught.value.partial_text


def test_load_session_opens_a_saved_endpoint(scripted):
    from pathlib import Path

    from app.core.engine import PairSpec, load_session
    from app.core.engine.remote.endpoint import upsert_endpoint

    upsert_endpoint(Endpoint(scripted.url, name="Gaudi box"))
    spec = PairSpec(target=Path("remote"), name="Gaudi box", endpoint="gaudi-box")
    session = load_session(spec)
    try:
        assert session.backend_name == "remote" and session.spec == spec
        # Prompt-lookup and K settings from the window do not reach a TGI server.
        request = GenerationRequest.chat("Hi", max_new_tokens=3, num_assistant_tokens=4,
                                         max_ngram_size=3)
        assert session.generate(request).text == "".join(TOKENS[:3])
    finally:
        session.close()
