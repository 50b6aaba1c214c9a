"""One `tandem serve` on the demo pair for the serve tests (127.0.0.1, ephemeral port).

The engine is wrapped so a test can slow each step down: the demo pair answers in
milliseconds, too fast to disconnect in the middle or to fill the queue.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from app.core.engine import PairSpec, load_session
from app.serve.server import TandemServer

API_KEY = "tk-serve-test-5f1e9a0c"
MODEL = "tandem-demo"


class SlowSession:
    """A real session whose steps can be made slower (the sink sleeps)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.step_delay_s = 0.0

    def generate(self, request, sink=None, stop=None):
        def slow(event):
            if sink is not None:
                sink(event)
            if self.step_delay_s:
                time.sleep(self.step_delay_s)

        return self.inner.generate(request, slow, stop)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


@pytest.fixture(scope="module")
def served(demo_dir) -> Iterator[TandemServer]:
    sessions: list[SlowSession] = []

    def loader(spec: PairSpec) -> SlowSession:
        sessions.append(SlowSession(load_session(spec)))
        return sessions[-1]

    server = TandemServer(PairSpec(demo_dir / "target", demo_dir / "draft"), port=0,
                          model_name=MODEL, api_key=API_KEY, max_queue=1, loader=loader)
    server.start_in_thread()
    server.slow = sessions[0]  # type: ignore[attr-defined]
    yield server
    server.shutdown()


@pytest.fixture
def slow(served) -> Iterator[SlowSession]:
    served.slow.step_delay_s = 0.0
    yield served.slow
    served.slow.step_delay_s = 0.0
    # Leave the engine idle for the next test.
    deadline = time.monotonic() + 10
    while served.worker.pending and time.monotonic() < deadline:
        time.sleep(0.02)
