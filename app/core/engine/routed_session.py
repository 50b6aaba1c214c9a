"""Auto mode with routing: the pair's speculative pipeline and the target's fastest plain
pipeline, both loaded; each prompt runs on the one its class was tuned to.

On a real CPU pair (issue 11) speculation was faster than the best plain setting on code
and slower on open chat, so a single choice either gave up code's gain or slowed chat
down. The tuner (bench/tuner.py) measures each class and, when they disagree, stores
which classes run plain; this session holds both pipelines (two copies of the target in
memory, which the tuner's note says) and routes by `prompt_class.request_class`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import replace

from app.core.engine.pair import PairSpec
from app.core.engine.prompt_class import request_class
from app.core.engine.session import Session
from app.core.engine.types import GenerationRequest, GenerationResult, Mode, StepSink


class RoutedSession:
    backend_name = "routed"

    def __init__(self, spec: PairSpec, load_session: Callable[[PairSpec], Session]) -> None:
        """Load both pipelines of `spec` (which needs a `plain_route`) with `load_session`
        (passed in: `app.core.engine.load_session` picks this class, so importing it here
        would be a circle)."""
        route = spec.plain_route
        if route is None:
            raise ValueError("a routed session needs spec.plain_route")
        self.spec = spec
        self.route = route
        self.speculative: Session = load_session(replace(spec, plain_route=None))
        try:
            self.plain: Session = load_session(PairSpec(
                route.target, None, spec.device, None, Mode.PLAIN, spec.name,
                dict(spec.properties), cache_dir=spec.cache_dir, exact=spec.exact))
        except BaseException:
            self.speculative.close()
            raise
        self.mode = self.speculative.mode
        self.load_time_s = self.speculative.load_time_s + self.plain.load_time_s
        lengths = [n for n in (self.speculative.context_length, self.plain.context_length)
                   if n is not None]
        self.context_length = min(lengths) if lengths else None

    def session_for(self, request: GenerationRequest) -> tuple[Session, GenerationRequest]:
        """The pipeline this request runs on, and the request as that pipeline takes it."""
        if request_class(request) in self.route.classes:
            return self.plain, replace(request, num_assistant_tokens=None,
                                       confidence_threshold=None, max_ngram_size=None)
        return self.speculative, request

    def generate(self, request: GenerationRequest, sink: StepSink | None = None,
                 stop: threading.Event | None = None) -> GenerationResult:
        """Generate on the pipeline the request's prompt class was tuned to."""
        session, routed = self.session_for(request)
        return session.generate(routed, sink, stop)

    def count_input_tokens(self, request: GenerationRequest) -> int:
        """How many tokens the request's prompt is on the pipeline it would run on."""
        session, routed = self.session_for(request)
        return session.count_input_tokens(routed)

    def close(self) -> None:
        """Release both pipelines."""
        self.speculative.close()
        self.plain.close()
