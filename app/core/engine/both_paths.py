"""A draft pair that keeps both of its paths loaded: greedy requests on OpenVINO GenAI's
speculative pipeline, sampled ones on Tandem's loop (sampled_draft.py).

`tandem serve` uses it: its clients choose greedy or sampled per request, and a session
that swapped paths (one copy of the target at a time, as the window does) reloaded the
pair every time two clients alternated. The price is a second copy of the target and the
draft in memory, from the first sampled request on; `tandem serve --one-target` swaps
instead. Each path is created, used and closed on the caller's thread (the server's
engine thread).
"""

from __future__ import annotations

import threading
from dataclasses import replace

from app.core.engine.pair import PairSpec
from app.core.engine.sampled_draft import SampledDraftSession, runs_on_loop
from app.core.engine.session import Session
from app.core.engine.types import GenerationRequest, GenerationResult, Mode, StepSink


class BothPathsSession:
    """A local draft pair with greedy requests on GenAI's pipeline and sampled ones on Tandem's
    loop, the loop loaded on first use and kept."""
    def __init__(self, spec: PairSpec) -> None:
        from app.core.engine.genai_session import GenAISession

        self.spec = spec
        self.mode = Mode.DRAFT
        self.greedy = GenAISession(replace(spec, sampled=False))
        self.sampled: SampledDraftSession | None = None
        self.backend_name = self.greedy.backend_name
        self.load_time_s = self.greedy.load_time_s
        self.context_length = self.greedy.context_length
        self.loads = 1  # how many paths were built (a test reads it)

    def _path(self, request: GenerationRequest) -> Session:
        if not runs_on_loop(self.mode, request):
            return self.greedy
        if self.sampled is None:
            self.sampled = SampledDraftSession(replace(self.spec, sampled=True))
            self.loads += 1
        return self.sampled

    def generate(self, request: GenerationRequest, sink: StepSink | None = None,
                 stop: threading.Event | None = None) -> GenerationResult:
        """Generate on the path the request needs (greedy or sampled); otherwise as
        Session.generate."""
        return self._path(request).generate(request, sink, stop)

    def count_input_tokens(self, request: GenerationRequest) -> int:
        """How many tokens the request's prompt is."""
        return self.greedy.count_input_tokens(request)

    def close(self) -> None:
        """Release both paths."""
        self.greedy.close()
        if self.sampled is not None:
            self.sampled.close()
            self.sampled = None


def load_for_serving(spec: PairSpec, one_target: bool = False) -> Session:
    """The server's loader: both paths for a local draft pair, unless `one_target`."""
    from app.core.engine import load_session

    if one_target or spec.endpoint or spec.routes \
            or spec.resolved_mode is not Mode.DRAFT:
        return load_session(spec)
    return BothPathsSession(spec)
