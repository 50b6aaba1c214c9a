"""The hybrid loop: prompt-lookup candidates when the context repeats, the draft otherwise.

Greedy output must stay plain greedy's, whichever source supplied a step; lookup must
really supply steps on a prompt that repeats, and the draft the others.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from app.core.engine import GenerationRequest
from app.core.engine.universal.lookup import NgramIndex

# The demo target repeats this text when its start is given again: lookup can copy it.
SAID = ("Speculative decoding lets a small draft model propose a few tokens. The large "
        "target model checks them in one pass and keeps the ones it agrees with, so the "
        "answer arrives sooner with the same text.")
CASES = (
    GenerationRequest(prompt=SAID + "\n\nSpeculative decoding lets a small", max_new_tokens=64),
    GenerationRequest.chat("Tell me about speculative decoding.", max_new_tokens=48),
    GenerationRequest(prompt="x = 1\ny = 2\nx = 1\ny =", max_new_tokens=32),
)


def test_lookup_copies_what_followed_the_latest_longest_match():
    index = NgramIndex([1, 2, 3, 4, 9, 2, 3, 5, 6, 2, 3], max_ngram=3)
    # Suffix [2, 3]: its latest earlier occurrence is followed by 5, 6.
    assert index.propose(2) == [5, 6]
    index.extend([4])
    # Suffix [2, 3, 4] occurred at the start, followed by 9.
    assert index.propose(3) == [9, 2, 3]
    index.extend([7])
    assert index.propose(3) == []  # [4, 7] never occurred; a 1-gram match is not used
    assert index.propose(0) == []


@pytest.mark.parametrize("k", [1, 3, 8])
@pytest.mark.parametrize("session_name", ["shared_session", "universal_session"])
def test_hybrid_greedy_equals_plain(request, plain_session, session_name, k):
    session = request.getfixturevalue(session_name)
    for case in CASES:
        expected = plain_session.generate(case)
        result = session.generate(replace(case, num_assistant_tokens=k, max_ngram_size=3))
        assert result.token_ids == expected.token_ids, case


def test_lookup_supplies_steps_when_the_context_repeats(shared_session):
    result = shared_session.generate(replace(CASES[0], num_assistant_tokens=4,
                                             max_ngram_size=3))
    figures = result.library
    assert figures["lookup_steps"] >= 3  # few: a lookup accepted whole grows
    assert figures["lookup_accepted"] >= 20
    assert result.stats.accepted_tokens == figures["lookup_accepted"] + figures["draft_accepted"]


def test_a_lookup_accepted_whole_may_grow_and_the_text_stays_plains(
        shared_session, plain_session, monkeypatch):
    from app.core.engine.universal import loop

    expected = plain_session.generate(CASES[0])
    request = replace(CASES[0], num_assistant_tokens=2, max_ngram_size=3)
    grown = shared_session.generate(request)
    assert grown.token_ids == expected.token_ids
    assert 2 < grown.library["lookup_longest"] <= loop.LOOKUP_MAX
    monkeypatch.setattr(loop, "LOOKUP_MAX", 0)  # growth off: every lookup stops at K
    fixed = shared_session.generate(request)
    assert fixed.token_ids == expected.token_ids
    assert fixed.library["lookup_longest"] == 2
    # Fewer target passes for the same text.
    assert grown.library["target_steps"] < fixed.library["target_steps"]


def test_the_draft_supplies_steps_when_nothing_repeats(shared_session):
    result = shared_session.generate(replace(CASES[1], num_assistant_tokens=4,
                                             max_ngram_size=3))
    assert "lookup_steps" not in result.library
    assert result.library["draft_accepted"] >= 10


def test_hybrid_with_a_threshold_equals_plain(shared_session, plain_session):
    for case in CASES[:2]:
        expected = plain_session.generate(case)
        result = shared_session.generate(replace(case, confidence_threshold=0.5,
                                                 max_ngram_size=3))
        assert result.token_ids == expected.token_ids


def test_with_a_threshold_lookups_start_at_lookup_start_and_grow(
        shared_session, plain_session, monkeypatch):
    """A threshold lets the draft run up to 16 tokens; a lookup has no confidence, so it
    starts at LOOKUP_START and only an accepted whole lookup earns a longer one."""
    from app.core.engine.universal import loop

    expected = plain_session.generate(CASES[0])
    request = replace(CASES[0], confidence_threshold=0.5, max_ngram_size=3)
    monkeypatch.setattr(loop, "LOOKUP_MAX", 0)  # growth off: every lookup stops at the start
    fixed = shared_session.generate(request)
    assert fixed.token_ids == expected.token_ids
    assert fixed.library["lookup_longest"] == loop.LOOKUP_START
    monkeypatch.setattr(loop, "LOOKUP_MAX", 16)
    grown = shared_session.generate(request)
    assert grown.token_ids == expected.token_ids
    assert loop.LOOKUP_START < grown.library["lookup_longest"] <= 16


def test_cli_hybrid_runs_the_loop_and_keeps_plains_text(capsys: pytest.CaptureFixture[str]):
    import json

    from app.cli import main

    prompt = SAID + "\n\nSpeculative decoding lets a small"
    assert main(["generate", "--json", "--raw", "--hybrid", "3", "--k", "4",
                 "--max-new-tokens", "48", prompt]) == 0
    hybrid = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert main(["generate", "--json", "--raw", "--no-draft", "--max-new-tokens", "48",
                 prompt]) == 0
    plain = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert hybrid["mode"] == "universal"
    assert hybrid["text"] == plain["text"]
    assert hybrid["accepted_tokens"] >= 20
    assert main(["generate", "--hybrid", "3", "--no-draft", "Hi."]) == 2
    assert "--hybrid needs a draft model" in capsys.readouterr().err


def test_each_step_names_its_source(shared_session):
    """The window tints lookup and draft tokens apart: every step event says which source
    supplied its candidates, and the counts agree with the loop's own."""
    events: list = []
    result = shared_session.generate(replace(CASES[0], num_assistant_tokens=4,
                                             max_ngram_size=3), events.append)
    figures = result.library
    by_source = {"lookup": 0, "draft": 0}
    for event in events[1:]:  # step 0 is the prefill: nothing was drafted
        by_source[event.source] += event.draft_tokens
    assert by_source["lookup"] == figures["lookup_accepted"] > 0
    assert by_source["draft"] == figures["draft_accepted"]


def test_genai_prompt_lookup_steps_are_lookup(lookup_session):
    events: list = []
    lookup_session.generate(replace(CASES[0], num_assistant_tokens=3, max_ngram_size=3),
                            events.append)
    assert {event.source for event in events} == {"lookup"}
    assert sum(event.draft_tokens for event in events) > 0
