"""`tandem serve` with a draft pair keeps both paths loaded (issue 18 item 5): clients
that alternate greedy and sampled requests no longer reload the pair each time. Greedy
requests stay on GenAI's pipeline (the same text as the local engine), sampled ones run on
Tandem's loop, and `--one-target` keeps the old swap (one copy of the target)."""

from __future__ import annotations

import httpx

from app.core.engine import GenerationRequest, PairSpec
from app.core.engine.both_paths import BothPathsSession, load_for_serving
from app.serve.server import TandemServer
from tests.conftest import DEMO

PROMPT = "Tell me about speculative decoding."


def _ask(url: str, sampled: bool) -> str:
    body: dict[str, object] = {"model": "demo", "max_tokens": 16,
                               "messages": [{"role": "user", "content": PROMPT}]}
    if sampled:
        body.update(temperature=1.0, seed=5)
    else:
        body.update(temperature=0)
    reply = httpx.post(f"{url}/v1/chat/completions", json=body, timeout=60)
    assert reply.status_code == 200, reply.text
    return str(reply.json()["choices"][0]["message"]["content"])


def test_alternating_greedy_and_sampled_requests_load_each_path_once(draft_session) -> None:
    server = TandemServer(PairSpec(DEMO / "target", DEMO / "draft"), model_name="demo")
    server.start_in_thread(timeout_s=120)
    try:
        answers = [_ask(server.url, sampled=i % 2 == 1) for i in range(6)]
        session = server.worker.session
        assert isinstance(session, BothPathsSession)
        assert session.loads == 2  # the pipeline, then the loop once: never again
        greedy = draft_session.generate(GenerationRequest.chat(PROMPT, max_new_tokens=16))
        assert answers[0::2] == [greedy.text] * 3
        assert len(set(answers[1::2])) == 1  # the same seed: the same sampled answer
    finally:
        server.shutdown()


def test_one_target_keeps_the_swap() -> None:
    session = load_for_serving(PairSpec(DEMO / "target", DEMO / "draft"), one_target=True)
    try:
        assert not isinstance(session, BothPathsSession)
    finally:
        session.close()
    plain = load_for_serving(PairSpec(DEMO / "target"))
    try:
        assert not isinstance(plain, BothPathsSession)
    finally:
        plain.close()
