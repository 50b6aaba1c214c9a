"""Acceptance figures only where a server reports them; never made up."""

from __future__ import annotations

from app.core.engine import GenerationRequest
from app.core.engine.remote import Endpoint, RemoteSession, acceptance
from app.core.engine.remote.acceptance import (
    ACCEPTED_COUNTER,
    DRAFT_COUNTER,
    RUNNING_GAUGE,
    SUCCESS_COUNTER,
)


def test_vllm_per_request_metrics():
    chunk = {"choices": [], "usage": {"completion_tokens": 9},
             "metrics": {"speculative_decoding": {
                 "num_spec_steps": 5, "num_draft_tokens": 12, "num_accepted_draft_tokens": 9,
                 "draft_acceptance_rate": 0.75, "mean_acceptance_length": 2.8}}}
    found = acceptance.from_chunk(chunk)
    assert found is not None
    assert (found.drafted, found.accepted, found.rate) == (12, 9, 0.75)
    assert found.source == acceptance.SOURCE_VLLM


def test_llama_cpp_timings_and_lm_studio_stats():
    found = acceptance.from_chunk({"timings": {"draft_n": 10, "draft_n_accepted": 7}})
    assert found is not None and (found.drafted, found.accepted) == (10, 7)
    assert found.source == acceptance.SOURCE_LLAMA_CPP
    found = acceptance.from_chunk({"stats": {"accepted_draft_tokens_count": 3,
                                             "rejected_draft_tokens_count": 2,
                                             "ignored_draft_tokens_count": 1}})
    assert found is not None and (found.drafted, found.accepted) == (6, 3)
    assert found.rate == 0.5


def test_nothing_reported_gives_none():
    assert acceptance.from_chunk({"choices": [], "usage": {"completion_tokens": 4}}) is None
    assert acceptance.from_chunk({"timings": {"predicted_n": 4}}) is None
    # Nonsense values are not turned into figures.
    assert acceptance.from_chunk({"timings": {"draft_n": "x", "draft_n_accepted": -1}}) is None


def test_prometheus_difference_exact_only_when_idle():
    text = (f'{DRAFT_COUNTER}{{model_name="a"}} 10\n{DRAFT_COUNTER}{{model_name="b"}} 5\n'
            f'{ACCEPTED_COUNTER}{{model_name="a"}} 8\n{SUCCESS_COUNTER} 3\n'
            f'{RUNNING_GAUGE} 0\n# HELP x\n')
    before = acceptance.parse_prometheus(text)
    assert before[DRAFT_COUNTER] == 15
    after = dict(before)
    after[DRAFT_COUNTER] += 6
    after[ACCEPTED_COUNTER] += 4
    after[SUCCESS_COUNTER] += 1
    found = acceptance.from_counter_difference(before, after)
    assert found is not None and (found.drafted, found.accepted) == (6, 4)
    assert found.source == acceptance.SOURCE_VLLM_METRICS
    after[SUCCESS_COUNTER] += 1  # someone else's request finished too
    found = acceptance.from_counter_difference(before, after)
    assert found is not None and "approximate" in found.source
    assert acceptance.from_counter_difference({}, after) is None


def test_session_reads_vllm_per_request_metrics(scripted):
    scripted.script.openai_routes = True
    scripted.script.owned_by = "vllm"
    scripted.script.per_request_metrics = {"num_draft_tokens": 8, "num_accepted_tokens": 6}
    with RemoteSession(Endpoint(scripted.url)) as session:
        assert session.kind == "vllm"
        stats = session.generate(GenerationRequest.chat("Hi", max_new_tokens=5)).stats
    assert (stats.drafted_tokens, stats.accepted_tokens, stats.rejected_tokens) == (8, 6, 2)
    assert stats.acceptance_rate == 0.75
    assert stats.acceptance_source == acceptance.SOURCE_VLLM
    assert stats.generated_tokens == 5 and stats.input_tokens == 5  # from the usage chunk
    assert scripted.script.requests[-1]["stream_options"] == {"include_usage": True}


def test_session_falls_back_to_vllm_counters(scripted):
    scripted.script.openai_routes = True
    scripted.script.owned_by = "vllm"
    scripted.script.counters = {DRAFT_COUNTER: 100.0, ACCEPTED_COUNTER: 50.0,
                                SUCCESS_COUNTER: 7.0, RUNNING_GAUGE: 0.0}
    with RemoteSession(Endpoint(scripted.url)) as session:
        assert session.info is not None and session.info.spec_counters
        stats = session.generate(GenerationRequest.chat("Hi", max_new_tokens=5)).stats
    # The scripted server adds 6 drafted / 4 accepted per request.
    assert (stats.drafted_tokens, stats.accepted_tokens) == (6, 4)
    assert stats.acceptance_source == acceptance.SOURCE_VLLM_METRICS
    assert "approximate" not in stats.summary()


def test_session_without_any_report_says_so(scripted):
    scripted.script.openai_routes = True
    with RemoteSession(Endpoint(scripted.url)) as session:
        stats = session.generate(GenerationRequest.chat("Hi", max_new_tokens=5)).stats
    assert stats.acceptance_rate is None and stats.drafted_tokens is None
    assert "speculation on the server; acceptance not reported" in stats.summary()
