"""The first answer after a load: the pipeline answers a short prompt while loading, so
the user's first answer does not pay for the pipeline's first run."""

from __future__ import annotations

import pytest

from app.core.engine import GenerationRequest, Mode, PairSpec, load_session
from app.core.engine.warmup import WARMUP_TOKENS

PROMPT = "Write a Python function that checks whether a string is a palindrome."


@pytest.mark.parametrize("mode", [Mode.PLAIN, Mode.DRAFT, Mode.PROMPT_LOOKUP, Mode.UNIVERSAL])
def test_every_pipeline_is_warmed_at_load(demo_dir, mode):
    draft = demo_dir / "draft" if mode in (Mode.DRAFT, Mode.UNIVERSAL) else None
    session = load_session(PairSpec(demo_dir / "target", draft, mode=mode))
    try:
        assert session.warmup_s is not None and session.warmup_s > 0
        assert WARMUP_TOKENS <= 4  # cheap: a few decode steps
        request = GenerationRequest.chat(PROMPT, max_new_tokens=16)
        first = session.generate(request)
        second = session.generate(request)
    finally:
        session.close()
    # The warm-up leaves nothing behind: the first answer is the second one. (Its effect on
    # the first answer's TTFT is measured on a real model by benchmarks/real_models.py
    # ttft; on the demo pair it is milliseconds and drowns in a shared CPU's noise.)
    assert first.token_ids == second.token_ids


def test_a_rebuilt_pipeline_is_warmed_too(demo_dir, monkeypatch):
    # A sampled answer releases the speculative pipeline for Tandem's loop; the next greedy
    # answer rebuilds it, and the rebuild answers the warm-up prompt before the user's.
    from app.core.engine.genai_session import GenAISession

    session = load_session(PairSpec(demo_dir / "target", demo_dir / "draft"))
    order: list[str] = []
    warm_up, build_config = GenAISession._warm_up, GenAISession._config

    def logged_warm_up(self: GenAISession) -> float | None:
        order.append("warm-up")
        return warm_up(self)

    def logged_config(self: GenAISession, request: GenerationRequest, max_new: int) -> object:
        order.append(f"answer {max_new}")
        return build_config(self, request, max_new)

    monkeypatch.setattr(GenAISession, "_warm_up", logged_warm_up)
    monkeypatch.setattr(GenAISession, "_config", logged_config)
    try:
        session.generate(GenerationRequest.chat(PROMPT, max_new_tokens=8, do_sample=True,
                                                seed=3))
        assert order == [] and session._pipe is None  # the loop answered
        session.generate(GenerationRequest.chat(PROMPT, max_new_tokens=16))
    finally:
        session.close()
    assert order == ["warm-up", f"answer {WARMUP_TOKENS}", "answer 16"]
