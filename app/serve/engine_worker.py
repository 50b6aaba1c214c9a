"""One thread that owns the engine session; requests wait in a bounded queue.

The local session is single-threaded (an OpenVINO pipeline used from one thread), so
every generation runs here, one at a time. `submit` refuses work beyond the queue
(the server answers 429); a job whose stop event is set before it starts is skipped,
and one stopped while running ends at the engine's next step.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from app.core.engine import load_session
from app.core.engine.pair import PairSpec
from app.core.engine.session import Session
from app.core.engine.types import GenerationRequest, GenerationResult, StepSink

log = logging.getLogger(__name__)

EventCallback = StepSink
DoneCallback = Callable[[GenerationResult | None, BaseException | None], None]


class QueueFullError(Exception):
    """Every slot (one running, `max_queue` waiting) is taken."""


@dataclass
class Job:
    request: GenerationRequest
    on_event: EventCallback
    on_done: DoneCallback
    stop: threading.Event = field(default_factory=threading.Event)


class EngineWorker:
    def __init__(self, spec: PairSpec, max_queue: int = 4,
                 loader: Callable[[PairSpec], Session] = load_session) -> None:
        self.spec = spec
        self.max_queue = max_queue
        self._loader = loader
        self._jobs: queue.Queue[Job | None] = queue.Queue()
        self._lock = threading.Lock()
        self._pending = 0  # queued + running
        self.ready = threading.Event()
        self.load_error: BaseException | None = None
        self.session: Session | None = None
        self.finished: list[GenerationResult] = []  # recent results, newest last (for tests)
        self.running = threading.Event()  # set while a job is generating
        self._thread = threading.Thread(target=self._run, name="tandem-serve-engine",
                                        daemon=True)

    def start(self, timeout_s: float = 300.0) -> None:
        self._thread.start()
        self.ready.wait(timeout_s)
        if self.load_error is not None:
            raise self.load_error

    @property
    def pending(self) -> int:
        with self._lock:
            return self._pending

    def submit(self, job: Job) -> None:
        with self._lock:
            if self._pending >= 1 + self.max_queue:
                raise QueueFullError
            self._pending += 1
        self._jobs.put(job)

    def stop(self, timeout_s: float = 10.0) -> None:
        self._jobs.put(None)
        self._thread.join(timeout_s)

    def _run(self) -> None:
        try:
            self.session = self._loader(self.spec)  # created, used and closed on this thread
        except BaseException as exc:
            self.load_error = exc
            self.ready.set()
            return
        self.ready.set()
        try:
            while (job := self._jobs.get()) is not None:
                self._execute(job)
        finally:
            self.session.close()

    def _execute(self, job: Job) -> None:
        result: GenerationResult | None = None
        error: BaseException | None = None
        try:
            if not job.stop.is_set():  # the client left while the job was queued
                assert self.session is not None
                self.running.set()
                result = self.session.generate(job.request, job.on_event, job.stop)
                self.finished = [*self.finished[-19:], result]
        except Exception as exc:
            error = exc
        finally:
            self.running.clear()
            with self._lock:
                self._pending -= 1
        try:
            job.on_done(result, error)
        except Exception:
            log.exception("delivering a result failed")
