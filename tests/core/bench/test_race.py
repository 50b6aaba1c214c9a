"""The race's arithmetic on real demo runs."""

from __future__ import annotations

from app.core.bench.race import RaceRound, RaceSummary, devices_overlap, race_markdown, timeline
from app.core.engine import GenerationRequest, PairSpec, load_session

PROMPT = "Tell me about speculative decoding."


def test_summary_of_real_rounds(plain_session, draft_session):
    rounds = []
    for _ in range(2):
        plain = plain_session.generate(GenerationRequest.chat(PROMPT, max_new_tokens=32))
        spec = draft_session.generate(GenerationRequest.chat(PROMPT, max_new_tokens=32,
                                                             num_assistant_tokens=3))
        rounds.append(RaceRound(plain, spec))
    summary = RaceSummary(rounds=rounds)
    speeds = [r.plain.stats.wall_time_s / r.speculative.stats.wall_time_s for r in rounds]
    assert summary.mean_speedup == sum(speeds) / 2
    assert summary.identical is True
    drafted = sum(r.speculative.stats.drafted_tokens for r in rounds)
    accepted = sum(r.speculative.stats.accepted_tokens for r in rounds)
    assert summary.acceptance == accepted / drafted
    line = summary.result_line()
    assert "identical text ✓" in line
    assert f"{accepted / drafted * 100:.0f}% of draft tokens accepted" in line
    points = timeline(rounds[0].speculative)
    assert points[0] == (0.0, 0)
    assert points[-1][1] == rounds[0].speculative.stats.generated_tokens
    assert [p[0] for p in points] == sorted(p[0] for p in points)
    assert "| 2 |" in race_markdown(summary, PROMPT, "demo", "K=3")


def test_a_different_answer_is_reported(plain_session, never_accepted_draft):
    # Another model behind the same tokenizer (see conftest) answers differently.
    other = load_session(PairSpec(never_accepted_draft))
    try:
        a = plain_session.generate(GenerationRequest.chat(PROMPT, max_new_tokens=32))
        b = other.generate(GenerationRequest.chat(PROMPT, max_new_tokens=32))
    finally:
        other.close()
    assert a.token_ids != b.token_ids
    summary = RaceSummary(rounds=[RaceRound(a, b)])
    shorter = min(len(a.token_ids), len(b.token_ids))
    index = next((i for i in range(shorter) if a.token_ids[i] != b.token_ids[i]), shorter)
    assert summary.identical is False
    assert f"text differs ✗ at token {index}" in summary.result_line()


def test_result_line_wording():
    assert RaceSummary().result_line() == "no race yet"


def test_devices_overlap():
    assert devices_overlap("CPU", ("CPU", "CPU"))
    assert devices_overlap("GPU.0", ("GPU.1", "CPU"))
    assert not devices_overlap("GPU", ("NPU", "CPU"))


def test_a_race_against_the_fastest_plain_format_names_it(plain_session, never_accepted_draft):
    # The plain side ran other weights (the target's fastest format): the speedup is
    # against that baseline, named, and the texts are not compared.
    other = load_session(PairSpec(never_accepted_draft))
    try:
        a = plain_session.generate(GenerationRequest.chat(PROMPT, max_new_tokens=16))
        b = other.generate(GenerationRequest.chat(PROMPT, max_new_tokens=16))
    finally:
        other.close()
    summary = RaceSummary(rounds=[RaceRound(a, b)], plain_label="plain int4",
                          same_weights=False)
    assert summary.identical is None and summary.divergence is None
    line = summary.result_line()
    assert "than plain int4" in line or "slower than plain int4" in line
    assert "texts not compared (other weights)" in line
