"""Step events and statistics tell the truth about a run."""

from __future__ import annotations

import threading
import time

import pytest

from app.core.engine import FinishReason, GenerationRequest, StepEvent

PROMPT = "Tell me about speculative decoding."


def collect(session, request, stop=None):
    events: list[StepEvent] = []
    result = session.generate(request, events.append, stop)
    return result, events


@pytest.mark.parametrize("k", [1, 3, 5, 8])
def test_events_add_up(draft_session, k):
    result, events = collect(draft_session, GenerationRequest.chat(
        PROMPT, max_new_tokens=64, num_assistant_tokens=k))
    stats = result.stats
    assert "".join(e.text for e in events) == result.text
    assert "".join(e.text for e in result.steps) == result.text
    assert sum(len(e.token_ids) for e in events) == stats.generated_tokens
    assert sum(e.draft_tokens for e in events) == stats.accepted_tokens
    assert stats.accepted_tokens <= stats.drafted_tokens
    assert stats.rejected_tokens == stats.drafted_tokens - stats.accepted_tokens
    assert stats.target_steps == len([e for e in events if e.token_ids])
    assert stats.block_efficiency == pytest.approx(stats.generated_tokens / stats.target_steps)
    assert all(e.draft_tokens <= k for e in events)
    assert events[0].draft_tokens == 0  # the prefill step is the target's alone
    assert sum(stats.accepted_histogram.values()) == stats.target_steps - 1
    assert [e.timestamp for e in events] == sorted(e.timestamp for e in events)
    for event in events:  # tint runs cover the text exactly
        assert sum(n for n, _ in event.spans) == len(event.text)


@pytest.mark.parametrize("k,max_new", [(3, 60), (3, 13), (5, 13), (4, 10), (2, 7)])
def test_burst_accounting_against_library(draft_session, k, max_new):
    # GenAI 2026.4 leaves the final target step out of extended_perf_metrics; on every
    # other step Tandem's burst counts must agree with the library exactly.
    result, events = collect(draft_session, GenerationRequest.chat(
        PROMPT, max_new_tokens=max_new, num_assistant_tokens=k))
    steps = [e for e in events if e.token_ids]
    last = steps[-1]
    remaining_before_last = max_new - sum(len(e.token_ids) for e in steps[:-1])
    last_drafted = min(k, remaining_before_last - 1)
    assert result.library["target_steps"] == len(steps)
    assert result.library["accepted"] == result.stats.accepted_tokens - last.draft_tokens
    assert result.library["drafted"] == result.stats.drafted_tokens - last_drafted
    assert result.stats.generated_tokens <= max_new


def test_max_new_tokens_cut_is_exact(draft_session):
    for max_new in (1, 2, 5, 9):
        result = draft_session.generate(GenerationRequest.chat(
            PROMPT, max_new_tokens=max_new, num_assistant_tokens=4))
        assert result.stats.generated_tokens == max_new
        assert result.stats.finish_reason == FinishReason.LENGTH


def test_end_of_sequence_reason(draft_session):
    result = draft_session.generate(GenerationRequest.chat("Hello!", max_new_tokens=100))
    assert result.token_ids[-1] == draft_session.eos_token_id
    assert result.stats.finish_reason == FinishReason.END_OF_SEQUENCE
    assert result.stats.generated_tokens < 100


def test_every_listed_end_token_ends_the_answer(demo_dir, tmp_path, plain_session):
    # Chat models often list several end ids (Llama 3.x, Qwen2.5); each must stop the run.
    import json
    import shutil

    from app.core.engine import Mode, PairSpec, load_session

    full = plain_session.generate(GenerationRequest(prompt="In the morning, the",
                                                    max_new_tokens=30))
    extra_end = full.token_ids[4]
    target = tmp_path / "target"
    shutil.copytree(demo_dir / "target", target)
    config = json.loads((target / "generation_config.json").read_text())
    config["eos_token_id"] = [config["eos_token_id"], extra_end]
    (target / "generation_config.json").write_text(json.dumps(config))
    # The universal backend too, with a foreign draft and with a same-vocabulary one
    # (which proposes the end id inside a burst of accepted candidates).
    for spec in (PairSpec(target), PairSpec(target, demo_dir / "draft"),
                 PairSpec(target, demo_dir / "draft-othertok", mode=Mode.UNIVERSAL),
                 PairSpec(target, demo_dir / "draft", mode=Mode.UNIVERSAL)):
        session = load_session(spec)
        for k in (1, 4):
            result = session.generate(GenerationRequest(
                prompt="In the morning, the", max_new_tokens=30,
                num_assistant_tokens=None if spec.resolved_mode is Mode.PLAIN else k))
            assert result.token_ids == full.token_ids[:5], (spec.resolved_mode, k)
            assert result.stats.finish_reason == FinishReason.END_OF_SEQUENCE
        session.close()


def test_stop_string_cuts_text_and_keeps_events_consistent(draft_session, plain_session):
    request = GenerationRequest.chat(PROMPT, max_new_tokens=64, stop_strings=("target",),
                                     num_assistant_tokens=3)
    result, events = collect(draft_session, request)
    full = plain_session.generate(GenerationRequest.chat(PROMPT, max_new_tokens=64)).text
    assert "target" in full
    assert result.text == full[: full.index("target")]
    assert "".join(e.text for e in events) == result.text
    assert "".join(e.text for e in result.steps) == result.text
    assert result.stats.finish_reason == FinishReason.STOP_STRING


def test_sampling_is_reproducible_with_a_seed(draft_session, plain_session):
    def sample(session, seed):
        return session.generate(GenerationRequest(
            prompt="In the morning, the", max_new_tokens=40, do_sample=True, temperature=1.2,
            top_p=0.95, num_assistant_tokens=5 if session.mode == "draft" else None,
            seed=seed)).text

    assert sample(draft_session, 7) == sample(draft_session, 7)
    assert sample(plain_session, 7) == sample(plain_session, 7)
    texts = {sample(draft_session, seed) for seed in range(6)}
    assert len(texts) > 1  # the seed matters


def test_stop_lands_within_one_step_and_keeps_partial_text(draft_session):
    stop = threading.Event()
    seen: list[StepEvent] = []

    def sink(event: StepEvent) -> None:
        seen.append(event)
        if len(seen) == 3:
            stop.set()
            seen.append(StepEvent(-1, "", (), 0, time.monotonic()))  # marker

    result = draft_session.generate(GenerationRequest.chat(
        PROMPT, max_new_tokens=200, num_assistant_tokens=2), sink, stop)
    marker = next(i for i, e in enumerate(seen) if e.index == -1)
    after = [e for e in seen[marker + 1:] if e.token_ids]
    assert len(after) == 0  # STOP is returned from the very step that saw the event
    assert result.stats.finish_reason == FinishReason.STOPPED
    assert result.text and result.text == "".join(e.text for e in seen if e.index >= 0)
    assert result.stats.generated_tokens < 200
