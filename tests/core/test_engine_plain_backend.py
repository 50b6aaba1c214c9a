"""Plain decoding on the CPU asks GenAI for its stateful (SDPA) pipeline; speculation and
prompt lookup keep the paged backend they need. The stateful pipeline refuses to mix chat
histories and raw prompts, so Tandem sends chats as templated tokens: both kinds of
request must keep working on one session.

Which backend is faster is measured, not asserted here: on a quiet 2-core machine the
real Qwen2.5-Coder-1.5B int4 target decoded at 84 ms a token on SDPA against 86 ms on
the paged backend (48 tokens, 4 interleaved rounds); the 0.9M demo target at 0.81 ms
against 0.63 ms.
"""

from __future__ import annotations

from app.core.engine import GenerationRequest, Mode, PairSpec, load_session
from app.core.engine.genai_session import ATTENTION_BACKEND, GenAISession
from app.core.engine.precision import KV_CACHE_PRECISION

PROMPT = "Tell me about speculative decoding."


def test_only_plain_cpu_sessions_ask_for_the_stateful_pipeline(demo_dir):
    target, draft = demo_dir / "target", demo_dir / "draft"
    assert GenAISession._build_properties(PairSpec(target))[ATTENTION_BACKEND] == "SDPA"
    for spec in (PairSpec(target, draft), PairSpec(target, None, mode=Mode.PROMPT_LOOKUP)):
        assert ATTENTION_BACKEND not in GenAISession._build_properties(spec)


def test_paged_cpu_sessions_cache_in_f16_like_plain(demo_dir):
    # The paged CPU cache defaults to u8, plain's stateful one is f16: the speculative
    # target gets f16 too, unless the caller asks for another precision.
    target, draft = demo_dir / "target", demo_dir / "draft"
    for spec in (PairSpec(target, draft), PairSpec(target, None, mode=Mode.PROMPT_LOOKUP)):
        assert GenAISession._build_properties(spec)[KV_CACHE_PRECISION] == "f16"
    asked = PairSpec(target, draft, properties={KV_CACHE_PRECISION: "u8"})
    assert GenAISession._build_properties(asked)[KV_CACHE_PRECISION] == "u8"
    assert KV_CACHE_PRECISION not in GenAISession._build_properties(PairSpec(target))


def test_chats_and_raw_prompts_share_one_stateful_session(demo_dir):
    session = load_session(PairSpec(demo_dir / "target"))
    try:
        first = session.generate(GenerationRequest.chat(PROMPT, max_new_tokens=12))
        raw = session.generate(GenerationRequest(prompt="def add(a, b):", max_new_tokens=12))
        again = session.generate(GenerationRequest.chat(PROMPT, max_new_tokens=12))
    finally:
        session.close()
    assert first.text and raw.text
    assert again.text == first.text  # greedy: the same answer after a raw prompt
