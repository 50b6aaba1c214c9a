"""Honest identity on the demo pair: the target's top-2 margin at a divergence decides
between a numerical tie and a real difference."""

from __future__ import annotations

import numpy as np
import pytest

from app.core.bench.runner import compare
from app.core.bench.tie_margin import (
    TIE_MARGIN,
    Identity,
    TargetProbe,
    TieCheck,
    identity_label,
    tie_threshold,
)
from app.core.engine import GenerationRequest, PairSpec, load_session

PROMPT = "Tell me about speculative decoding."


def test_a_tie_needs_a_small_margin_and_the_two_top_tokens():
    assert TieCheck(4, (7, 9), 0.004, (7, 9)).is_tie
    assert TieCheck(4, (7, 9), 0.004, (9, 7)).is_tie
    assert TieCheck(4, (7, 9), 0.004, (7, None)).is_tie  # the other side had ended
    assert not TieCheck(4, (7, 9), 0.5, (7, 9)).is_tie  # a clear decision
    assert not TieCheck(4, (7, 9), 0.004, (7, 3)).is_tie  # not one of the two best
    assert TieCheck(4, (7, 9), 0.5, (7, 9), threshold=1.0).is_tie
    assert identity_label(None, False) == "identical"
    assert identity_label(None, True) == "DIFFERENT"
    assert identity_label(TieCheck(4, (7, 9), 0.0041, (7, 9)), True) == "tie (0.0041)"
    assert identity_label(TieCheck(4, (7, 9), 2.5, (7, 9)), True) == "DIFFERENT (2.5000)"
    assert "numerical tie" in TieCheck(4, (7, 9), 0.004, (7, 9)).describe()
    assert 0 < TIE_MARGIN < 1


def test_a_three_way_bf16_tie_is_a_tie():
    # bf16 logits come in steps: three tokens can share the best logit, and the
    # speculative side may pick the third. Each side's distance from the best decides.
    three_way = TieCheck(9, (7, 9), 0.0, (7, 11), 0.5, (0.0, 0.0))
    assert three_way.is_tie and three_way.distance == 0.0
    assert identity_label(three_way, True) == "tie (0.0000)"
    far = TieCheck(9, (7, 9), 0.0, (7, 11), 0.5, (0.0, 1.25))  # the third token is far
    assert not far.is_tie and identity_label(far, True) == "DIFFERENT (1.2500)"
    assert "within 1.2500 of the target's best" in far.describe()


def test_the_tie_threshold_follows_the_precision_the_target_computes_in(demo_dir):
    # bf16 rounds logits to steps of 0.0625-0.125: a tie there is wider than in f32.
    assert tie_threshold("f32") == TIE_MARGIN == 0.1
    assert tie_threshold("bf16") == tie_threshold("f16") == 0.5
    assert tie_threshold("") == tie_threshold("u8") == TIE_MARGIN
    pinned = TargetProbe(demo_dir / "target")  # the demo pair pins f32
    assert pinned.model.precision == "f32" and pinned.threshold == 0.1
    # Asked for bf16, the CPU computes in bf16 where it has bf16 units, else in f32; the
    # probe's threshold follows what it really computes in.
    asked = TargetProbe(demo_dir / "target", properties={"INFERENCE_PRECISION_HINT": "bf16"})
    assert asked.model.precision in ("bf16", "f32")
    assert asked.threshold == tie_threshold(asked.model.precision)
    check = asked.check([1, 2, 3], [5], [6], 0)
    assert check.threshold == asked.threshold


def test_the_probe_reproduces_plain_greedy_decoding(plain_session, demo_dir):
    # Single-token forwards over the common prefix are what plain decoding does: the
    # target's argmax after each prefix is plain's next token, and its margin is positive.
    request = GenerationRequest.chat(PROMPT, max_new_tokens=12)
    result = plain_session.generate(request)
    ids = plain_session.prompt_token_ids(request)
    assert len(ids) == result.stats.input_tokens
    probe = TargetProbe(demo_dir / "target")
    tokens = result.token_ids
    for index in (0, 5, len(tokens) - 1):
        logits = probe.logits_after(ids, tokens[:index])
        assert int(np.argmax(logits)) == tokens[index]
        check = probe.check(ids, tokens, tokens, index)
        assert check.top[0] == tokens[index]
        assert check.margin == pytest.approx(float(np.sort(logits)[-1] - np.sort(logits)[-2]))
    probe.close()


def test_a_different_model_is_a_failure_with_its_margin(plain_session, never_accepted_draft):
    # Another model behind the same tokenizer writes other tokens: the target's margin at
    # the divergence is a real decision, so the row is DIFFERENT, not a tie.
    other = load_session(PairSpec(never_accepted_draft))
    try:
        request = GenerationRequest.chat(PROMPT, max_new_tokens=40)
        comparison = compare(plain_session, other, request, repeats=1, warmup=0)
        loose = compare(plain_session, other, request, repeats=1, warmup=0,
                        check_ties=False)
    finally:
        other.close()
    tie = comparison.tie
    assert comparison.divergence is not None and tie is not None
    assert tie.index == comparison.divergence.index
    assert tie.top[0] == comparison.divergence.baseline_token
    assert tie.gaps[0] == 0.0  # plain's token is the target's best
    assert tie.gaps[1] is not None and tie.distance == tie.gaps[1] >= TIE_MARGIN
    assert tie.identity is Identity.DIFFERENT
    assert comparison.same_text is False
    assert comparison.identity.startswith("DIFFERENT (")
    assert loose.tie is None and loose.identity == "DIFFERENT"
    # The same divergence judged with a huge threshold and both tokens in the top 2 would
    # be a tie: the verdict depends on the margin, not on the bare difference.
    relaxed = TieCheck(tie.index, tie.top, tie.margin, tie.sides, tie.distance + 1, tie.gaps)
    assert relaxed.is_tie


def test_identical_runs_need_no_probe(plain_session, draft_session):
    request = GenerationRequest.chat(PROMPT, max_new_tokens=16)
    comparison = compare(plain_session, draft_session, request,
                         GenerationRequest.chat(PROMPT, max_new_tokens=16,
                                                num_assistant_tokens=3),
                         repeats=1, warmup=0)
    assert comparison.identity == "identical"
    assert comparison.same_text is True
    assert comparison.tie is None


def test_a_tie_row_is_reported_not_failed():
    from app.core.bench.report import _cell
    from app.core.bench.rows import BenchRow

    def row(identical: bool | None, identity: str) -> BenchRow:
        return BenchRow(1, "matrix", "chat", 10, 32, "greedy", "K=3", 1.0, 1.0, 1.0, 1.0,
                        identical=identical, identity=identity,
                        divergence="texts differ at generated token 9")

    tie, bug, same = row(False, "tie (0.0041)"), row(False, "DIFFERENT (2.3000)"), \
        row(True, "identical")
    assert not tie.failed and bug.failed and not same.failed
    assert _cell(tie, "identical").startswith("≈ tie (0.0041)")
    assert _cell(bug, "identical").startswith("✗ DIFFERENT (2.3000)")
    assert _cell(same, "identical") == "✓ identical"
