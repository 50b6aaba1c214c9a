"""Auto mode with routing: the pair's own setting and each route's pipeline, all loaded;
each prompt runs on the one its class was tuned to.

On the real CPU pair every prompt class had its own fastest setting (issue 20): prompt
lookup on new code and summaries, the hybrid on code edits, plain on open chat. A single
choice gives up the gains of the others or slows some class down. The tuner
(bench/tuner.py) measures each class and stores its winner; this session holds one
pipeline per distinct setting (each one a copy of the target in memory, which the tuner's
note says) and routes by `prompt_class.request_class`. Every pipeline keeps greedy plain's
text, so a misrouted prompt costs speed only.

Memory: each pipeline needs its weights (a 7B int4 target is about 4 GB), so four routes
can ask for more than a 16 GB laptop has free. Before loading, the routes that do not fit
in the free memory (preflight's estimate per pipeline) are dropped, the last first
(tuner.auto_routes lists them by the gain of their class, most first); their classes run
the pair's own setting, and `note` says so.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import replace

from app.core import sysinfo
from app.core.engine.pair import PairSpec, Route
from app.core.engine.preflight import needed_bytes
from app.core.engine.prompt_class import request_class
from app.core.engine.session import Session
from app.core.engine.types import GenerationRequest, GenerationResult, Mode, StepSink


def route_spec(spec: PairSpec, route: Route) -> PairSpec:
    """What one route loads: its target in its mode, with its draft when it drafts, on the
    pair's devices and precision."""
    if route.mode in (Mode.DRAFT, Mode.UNIVERSAL) and not route.uses_draft:
        raise ValueError(f"a {route.mode.value} route needs a draft")
    draft = route.draft if route.uses_draft else None
    return PairSpec(route.target, draft, spec.device, route.draft_device if draft else None,
                    route.mode, spec.name, dict(spec.properties), cache_dir=spec.cache_dir,
                    sampled=spec.sampled and route.mode is Mode.DRAFT, exact=spec.exact)


def _loaded_as(spec: PairSpec) -> PairSpec:
    """The spec as it loads: its mode resolved, no draft where the mode loads none. Two
    routes equal here share one pipeline (K, threshold and n-gram are per request)."""
    spec = replace(spec, mode=spec.resolved_mode)
    if spec.mode in (Mode.PLAIN, Mode.PROMPT_LOOKUP):
        spec = replace(spec, draft=None, draft_device=None)
    return spec


def fit_routes(spec: PairSpec, available_bytes: int) -> tuple[tuple[Route, ...],
                                                             tuple[Route, ...]]:
    """(kept, dropped): `spec.routes` whose pipelines fit in `available_bytes` beside the
    pair's own, dropping from the last route. A route that shares a loaded pipeline costs
    nothing; the pair's own pipeline is preflight's business."""
    kept = list(spec.routes)
    while kept:
        loaded = {_loaded_as(replace(spec, routes=())),
                  *(_loaded_as(route_spec(spec, r)) for r in kept)}
        if sum(needed_bytes(s) for s in loaded) <= available_bytes:
            break
        kept.pop()
    return tuple(kept), spec.routes[len(kept):]


def pipeline_count(spec: PairSpec) -> int:
    """How many pipelines (copies of the target in memory) `spec` with its routes loads."""
    own = _loaded_as(replace(spec, routes=()))
    return len({own, *(_loaded_as(route_spec(spec, r)) for r in spec.routes)})


class RoutedSession:
    backend_name = "routed"

    def __init__(self, spec: PairSpec, load_session: Callable[[PairSpec], Session]) -> None:
        """Load the pair's own pipeline and one per distinct route of `spec` with
        `load_session` (passed in: `app.core.engine.load_session` picks this class, so
        importing it here would be a circle). A failed load releases what loaded before."""
        if not spec.routes:
            raise ValueError("a routed session needs spec.routes")
        self.spec = spec
        self.routes, self.dropped = fit_routes(spec, sysinfo.available_memory_bytes())
        own = replace(spec, routes=())
        self.sessions: dict[PairSpec, Session] = {}
        try:
            self.default: Session = self._load(own, load_session)
            self.by_route = [self._load(route_spec(spec, r), load_session)
                             for r in self.routes]
        except BaseException:
            self.close()
            raise
        self.mode = self.default.mode
        self.load_time_s = sum(s.load_time_s for s in self.sessions.values())
        lengths = [s.context_length for s in self.sessions.values()
                   if s.context_length is not None]
        self.context_length = min(lengths) if lengths else None

    @property
    def note(self) -> str:
        """What the user should know about this load ("" when every route loaded)."""
        if not self.dropped:
            return ""
        classes = ", ".join(c for r in self.dropped for c in r.classes)
        return (f"not enough free memory for {len(self.dropped)} of Auto's routes: "
                f"{classes} prompts run the pair's own setting (free some memory and load "
                "again, or use int4 weights)")

    def _load(self, spec: PairSpec, load_session: Callable[[PairSpec], Session]) -> Session:
        spec = _loaded_as(spec)
        if spec not in self.sessions:  # two routes with one setting share its pipeline
            self.sessions[spec] = load_session(spec)
        return self.sessions[spec]

    @property
    def pipelines(self) -> int:
        """How many pipelines are loaded (each holds a copy of the target)."""
        return len(self.sessions)

    def session_for(self, request: GenerationRequest) -> tuple[Session, GenerationRequest]:
        """The pipeline this request runs on, and the request as that pipeline takes it."""
        wanted = request_class(request)
        for route, session in zip(self.routes, self.by_route, strict=True):
            if wanted in route.classes:
                if route.mode is Mode.PLAIN:
                    return session, replace(request, num_assistant_tokens=None,
                                            confidence_threshold=None, max_ngram_size=None)
                return session, replace(request, num_assistant_tokens=route.k,
                                        confidence_threshold=route.confidence,
                                        max_ngram_size=route.ngram)
        return self.default, request

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
        """Release every pipeline, each even when another's release fails (the first error is
        raised after)."""
        sessions, self.sessions = list(self.sessions.values()), {}
        self.by_route = []
        self.routes = ()
        failed: BaseException | None = None
        for session in sessions:
            try:
                session.close()
            except Exception as exc:  # the others must still be released
                failed = failed or exc
        if failed is not None:
            raise failed
