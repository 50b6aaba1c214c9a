"""Auto with routing: both pipelines load, each prompt runs where its class was tuned to
run, and every answer is still plain greedy decoding's text."""

from __future__ import annotations

import gc
import weakref

import pytest

from app.core.engine import GenerationRequest, Mode, PairSpec, load_session
from app.core.engine.pair import PlainRoute
from app.core.engine.routed_session import RoutedSession

CODE = "Write a Python function to add two numbers."
CHAT = "Tell me about speculative decoding."


def test_chat_runs_plain_and_code_runs_speculative_with_plains_text(demo_dir, plain_session):
    spec = PairSpec(demo_dir / "target", demo_dir / "draft",
                    plain_route=PlainRoute(demo_dir / "target", ("chat",)))
    session = load_session(spec)
    assert isinstance(session, RoutedSession) and session.mode is Mode.DRAFT
    try:
        for prompt, mode in ((CODE, "draft"), (CHAT, "plain")):
            request = GenerationRequest.chat(prompt, max_new_tokens=24, num_assistant_tokens=3)
            routed = session.generate(request)
            assert routed.stats.mode == mode
            plain = plain_session.generate(GenerationRequest.chat(prompt, max_new_tokens=24))
            assert routed.token_ids == plain.token_ids
            assert session.count_input_tokens(request) == plain.stats.input_tokens
        assert session.load_time_s > 0 and session.context_length
    finally:
        pipelines = [weakref.ref(session.speculative), weakref.ref(session.plain)]
        session.close()
        del session
    gc.collect()
    assert all(ref() is None for ref in pipelines)  # closing releases both


def test_a_plain_side_that_fails_to_load_closes_the_speculative_side(demo_dir, tmp_path,
                                                                      monkeypatch):
    from app.core.engine import TandemError
    from app.core.engine.genai_session import GenAISession

    closed: list[Mode] = []
    original = GenAISession.close

    def close(self: GenAISession) -> None:
        closed.append(self.mode)
        original(self)

    monkeypatch.setattr(GenAISession, "close", close)
    spec = PairSpec(demo_dir / "target", demo_dir / "draft",
                    plain_route=PlainRoute(tmp_path / "missing", ("chat",)))
    with pytest.raises(TandemError):
        load_session(spec)
    assert closed == [Mode.DRAFT]
