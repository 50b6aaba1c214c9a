"""Store jobs (pull, add, verify) on one worker thread, queued, with progress and cancel.

The store's functions run on a QThread-hosted worker; their progress callbacks (called
from download threads too) become queued signals, relayed to the GUI thread by the host,
which keeps the queue: one job at a time, the others wait their turn.
"""

from __future__ import annotations

import itertools
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QObject, Signal, Slot

from app.core.engine.errors import TandemError
from app.core.store.events import CancelToken, Progress, ProgressSink
from app.ui.workers.threads import ThreadWorker, WorkerThread

log = logging.getLogger(__name__)
_ids = itertools.count(1)
PROGRESS_EVERY_S = 0.1  # at most ten progress signals a second, stage changes always


@dataclass
class StoreJob:
    kind: str  # "pull", "add" or "verify"
    pair_id: str
    label: str
    call: Callable[[ProgressSink, CancelToken], Any]
    id: int = field(default_factory=lambda: next(_ids))
    token: CancelToken = field(default_factory=CancelToken)


def error_info(exc: BaseException) -> dict[str, str]:
    if isinstance(exc, TandemError):
        return {"message": exc.message, "hint": exc.hint, "kind": exc.kind}
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return {"message": f"The job failed: {text}", "hint": "Try again; if it repeats, run "
            "the same job with `tandem models` in a terminal to see more.", "kind": "error"}


class StoreJobWorker(ThreadWorker):
    progress = Signal(int, object)  # job id, Progress
    finished = Signal(int, object)  # job id, result
    failed = Signal(int, dict)  # job id, {"message", "hint", "kind"}

    @Slot(object)
    def run(self, job: StoreJob) -> None:
        last_time = 0.0
        last_key = ("", "")

        def sink(event: Progress) -> None:
            nonlocal last_time, last_key
            now = time.monotonic()
            key = (event.stage, event.side)
            if key == last_key and now - last_time < PROGRESS_EVERY_S \
                    and event.fraction != 1.0:
                return
            last_time, last_key = now, key
            self.progress.emit(job.id, event)

        try:
            result = job.call(sink, job.token)
        except BaseException as exc:  # reported to the page, never raised into Qt
            if not isinstance(exc, TandemError):
                log.exception("store job %s failed", job.label)
            self.failed.emit(job.id, error_info(exc))
            return
        self.finished.emit(job.id, result)


class StoreJobs(QObject):
    """The queue, on the GUI thread. Signals carry the job object. Like a `WorkerHost`, it
    is no Qt child of the tab: its `WorkerThread` holds it until the thread has ended
    (download threads may still report progress to it), and it ends itself when `owner`
    is destroyed without a `shutdown`."""

    started = Signal(object)  # StoreJob
    progress = Signal(object, object)  # StoreJob, Progress
    finished = Signal(object, object)  # StoreJob, result
    failed = Signal(object, dict)  # StoreJob, error info
    queue_changed = Signal()
    _run_requested = Signal(object)

    def __init__(self, owner: QObject | None = None) -> None:
        super().__init__()
        self.worker = StoreJobWorker()
        self.owner_thread = WorkerThread(self.worker, "tandem-store-jobs")
        self.owner_thread.keep(self)
        self.job_thread = self.owner_thread.qthread
        self._run_requested.connect(self.worker.run)
        self.worker.progress.connect(self._on_progress)
        self.worker.finished.connect(self._on_finished)
        self.worker.failed.connect(self._on_failed)
        self.current: StoreJob | None = None
        self.waiting: list[StoreJob] = []
        self._shut_down = False
        if owner is not None:
            owner.destroyed.connect(self.shutdown)
        self.owner_thread.start()

    @property
    def busy(self) -> bool:
        return self.current is not None or bool(self.waiting)

    def pending(self, pair_id: str) -> StoreJob | None:
        jobs = ([self.current] if self.current else []) + self.waiting
        return next((j for j in jobs if j.pair_id == pair_id), None)

    def submit(self, job: StoreJob) -> StoreJob:
        self.waiting.append(job)
        self._next()
        self.queue_changed.emit()
        return job

    def cancel(self, job_id: int | None = None) -> None:
        """Cancel one job (running or waiting), or all of them."""
        for job in list(self.waiting):
            if job_id is None or job.id == job_id:
                self.waiting.remove(job)
                self.failed.emit(job, {"message": f"Cancelled {job.label} before it "
                                       "started.", "hint": "", "kind": "cancelled"})
        if self.current is not None and job_id in (None, self.current.id):
            self.current.token.cancel()
        self.queue_changed.emit()

    def _next(self) -> None:
        if self.current is None and self.waiting:
            self.current = self.waiting.pop(0)
            self.started.emit(self.current)
            self._run_requested.emit(self.current)

    def _done(self, job_id: int) -> StoreJob | None:
        job = self.current if self.current and self.current.id == job_id else None
        self.current = None
        return job

    @Slot(int, object)
    def _on_progress(self, job_id: int, event: Progress) -> None:
        if self.current is not None and self.current.id == job_id:
            self.progress.emit(self.current, event)

    @Slot(int, object)
    def _on_finished(self, job_id: int, result: object) -> None:
        job = self._done(job_id)
        if job is not None:
            self.finished.emit(job, result)
        self._next()
        self.queue_changed.emit()

    @Slot(int, dict)
    def _on_failed(self, job_id: int, error: dict) -> None:
        job = self._done(job_id)
        if job is not None:
            self.failed.emit(job, error)
        self._next()
        self.queue_changed.emit()

    @Slot()
    def shutdown(self) -> None:
        """Cancel everything and end the thread once the cancelled job has cleaned up,
        never waiting on the GUI thread: the window closes (and the process exits) only
        after the thread has ended (threads.py)."""
        self.waiting.clear()
        if self.current is not None:
            self.current.token.cancel()
        if self._shut_down:
            return
        self._shut_down = True
        self.owner_thread.end()
