"""Auto with routing: every route's pipeline loads beside the pair's own, each prompt runs
where its class was tuned to run, and every answer is still plain greedy decoding's text."""

from __future__ import annotations

import gc
import weakref

import pytest

from app.core.engine import GenerationRequest, Mode, PairSpec, load_session
from app.core.engine.pair import Route
from app.core.engine.routed_session import RoutedSession, pipeline_count, route_spec

CODE = "Write a Python function to add two numbers."
CHAT = "Tell me about speculative decoding."
EDIT = ("Rename `a` to `first` in this code and return the whole code:\n\n"
        "def add(a, b):\n    total = a + b\n    return total\n")
SUMMARY = ("Summarise this text in one sentence:\n\n" + "The draft proposes tokens and the "
           "target checks them in one pass, keeping the ones it agrees with. " * 4)


def test_each_class_runs_on_its_route_with_plains_text(demo_dir, plain_session):
    target, draft = demo_dir / "target", demo_dir / "draft"
    spec = PairSpec(target, draft, routes=(
        Route(target, ("edit",), Mode.UNIVERSAL, 2, None, 3, draft),
        Route(target, ("summary",), Mode.PROMPT_LOOKUP, 4, None, 3),
        Route(target, ("chat",))))
    session = load_session(spec)
    assert isinstance(session, RoutedSession) and session.mode is Mode.DRAFT
    assert session.pipelines == 4
    try:
        for prompt, mode, k in ((CODE, "draft", 3), (EDIT, "universal", 2),
                                (SUMMARY, "prompt_lookup", 4), (CHAT, "plain", None)):
            request = GenerationRequest.chat(prompt, max_new_tokens=24, num_assistant_tokens=3)
            routed = session.generate(request)
            assert (routed.stats.mode, routed.stats.num_assistant_tokens) == (mode, k), prompt
            if prompt == EDIT:  # the hybrid route: its requests carry the n-gram size
                assert session.session_for(request)[1].max_ngram_size == 3
            plain = plain_session.generate(GenerationRequest.chat(prompt, max_new_tokens=24))
            assert routed.token_ids == plain.token_ids, prompt
            assert session.count_input_tokens(request) == plain.stats.input_tokens
        assert session.load_time_s > 0 and session.context_length
    finally:
        pipelines = [weakref.ref(s) for s in session.sessions.values()]
        session.close()
        del session
    gc.collect()
    assert all(ref() is None for ref in pipelines)  # closing releases every one


def test_routes_with_the_pairs_own_setting_share_its_pipeline(demo_dir):
    target, draft = demo_dir / "target", demo_dir / "draft"
    spec = PairSpec(target, draft, mode=Mode.PROMPT_LOOKUP, routes=(
        Route(target, ("edit",), Mode.PROMPT_LOOKUP, 2, None, 3),
        Route(target, ("chat",), Mode.PROMPT_LOOKUP, 5, None, 3)))
    session = load_session(spec)
    try:
        assert session.pipelines == 1  # one prompt-lookup pipeline; K is per request
        edit, _ = session.session_for(GenerationRequest.chat(EDIT))
        assert edit is session.default
        _, chat = session.session_for(GenerationRequest.chat(CHAT))
        assert chat.num_assistant_tokens == 5
    finally:
        session.close()


def test_the_pipeline_count_says_what_loads(demo_dir):
    target, draft = demo_dir / "target", demo_dir / "draft"
    spec = PairSpec(target, draft, mode=Mode.DRAFT, routes=(
        Route(target, ("edit",), Mode.DRAFT, 6, None, None, draft),  # another K only
        Route(target, ("summary",), Mode.PROMPT_LOOKUP, 3, None, 3),
        Route(target, ("chat",))))
    assert pipeline_count(spec) == 3


def test_a_drafting_route_needs_a_draft(demo_dir):
    spec = PairSpec(demo_dir / "target", None, mode=Mode.PROMPT_LOOKUP)
    with pytest.raises(ValueError, match="needs a draft"):
        route_spec(spec, Route(demo_dir / "target", ("edit",), Mode.UNIVERSAL, 2))


def test_a_route_that_fails_to_load_closes_what_loaded(demo_dir, tmp_path, monkeypatch):
    from app.core.engine import TandemError
    from app.core.engine.genai_session import GenAISession

    closed: list[Mode] = []
    original = GenAISession.close

    def close(self: GenAISession) -> None:
        closed.append(self.mode)
        original(self)

    monkeypatch.setattr(GenAISession, "close", close)
    target = demo_dir / "target"
    spec = PairSpec(target, demo_dir / "draft", routes=(
        Route(target, ("summary",), Mode.PROMPT_LOOKUP, 3, None, 3),
        Route(tmp_path / "missing", ("chat",))))
    with pytest.raises(TandemError):
        load_session(spec)
    assert closed == [Mode.DRAFT, Mode.PROMPT_LOOKUP]


def test_routes_that_do_not_fit_in_free_memory_are_dropped_from_the_last(demo_dir,
                                                                        monkeypatch):
    """Each route's pipeline is another copy of the target: when the free memory holds
    only some, the last routes (the slowest; auto_routes orders them) are dropped, their
    classes run the pair's own setting, and the session's note says so."""
    from app.core import sysinfo
    from app.core.engine.preflight import needed_bytes
    from app.core.engine.routed_session import fit_routes

    target, draft = demo_dir / "target", demo_dir / "draft"
    edit = Route(target, ("edit",), Mode.UNIVERSAL, 2, None, 3, draft)
    shared = Route(target, ("summary",), Mode.DRAFT, 5, draft=draft)  # the pair's own: free
    chat = Route(target, ("chat",))
    spec = PairSpec(target, draft, routes=(edit, shared, chat))
    one = needed_bytes(PairSpec(target, draft))
    assert one > needed_bytes(PairSpec(target)) > 0
    assert fit_routes(spec, 10 * one) == ((edit, shared, chat), ())
    assert fit_routes(spec, int(2.2 * one)) == ((edit, shared), (chat,))
    assert fit_routes(spec, int(1.5 * one)) == ((), (edit, shared, chat))

    monkeypatch.setattr(sysinfo, "available_memory_bytes", lambda: int(2.2 * one))
    session = load_session(spec)
    try:
        assert session.pipelines == 2 and session.dropped == (chat,)
        assert "chat prompts run the pair's own setting" in session.note
        result = session.generate(GenerationRequest.chat(CHAT, max_new_tokens=16,
                                                         num_assistant_tokens=3))
        assert result.stats.mode == "draft"  # not plain: its route did not load
    finally:
        session.close()
