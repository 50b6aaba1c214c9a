"""Run a GenerationWorker on its own thread and relay its signals on the GUI thread.

Tests and views connect to the host's signals, which are emitted on the GUI thread
(queued from the worker), never to the worker's own. The thread, the worker and this host
follow the rules of `threads.py`: a `WorkerThread` owns them from start to the real end of
the thread, and the host is never a Qt child of a view. A host is never waited for on the
GUI thread and its thread is never terminated: `retire` stops its runs and queues the
unload and the end of its thread behind whatever it is doing (a load mid-compile finishes
first); `retired` is emitted once the thread has really ended. Until no host is retiring,
a new host's load waits, so two pipelines never load at once and a replaced pair's memory
is freed before the next one is loaded.
"""

from __future__ import annotations

import itertools
import threading

from PySide6.QtCore import QObject, Signal, Slot

from app.core.engine import GenerationRequest, PairSpec
from app.ui.workers.generation_worker import GenerationWorker
from app.ui.workers.threads import WorkerThread, ending_count, registry

_ids = itertools.count(1)  # request ids are unique across hosts


def retiring_count() -> int:
    """Worker threads (generation and store jobs) asked to end that have not yet ended."""
    return ending_count()


class WorkerHost(QObject):
    # Relayed on the GUI thread.
    loading = Signal()
    loaded = Signal(dict)
    load_failed = Signal(dict)
    unloaded = Signal()
    step = Signal(int, object)
    finished = Signal(int, object)
    failed = Signal(int, dict)
    retired = Signal()  # the worker thread has ended; the host may be dropped
    # To the worker (queued onto its thread).
    _load_requested = Signal()
    _generate_requested = Signal(int, object, object)

    def __init__(self, spec: PairSpec, owner: QObject | None = None) -> None:
        """`owner` (a controller) is not a Qt parent: when it is destroyed without having
        retired the host, the host retires itself."""
        super().__init__()
        self.spec = spec
        self.worker = GenerationWorker(spec)
        self.owner_thread = WorkerThread(self.worker, f"tandem-worker-{spec.label()}")
        self.owner_thread.keep(self)  # the worker's signals reach this host
        self.worker_thread = self.owner_thread.qthread
        self._stops: dict[int, threading.Event] = {}
        self._load_requested.connect(self.worker.load)
        self._generate_requested.connect(self.worker.generate)
        self.worker.loading.connect(self._on_loading)
        self.worker.loaded.connect(self._on_loaded)
        self.worker.load_failed.connect(self._on_load_failed)
        self.worker.unloaded.connect(self._on_unloaded)
        self.worker.step.connect(self._on_step)
        self.worker.finished.connect(self._on_finished)
        self.worker.failed.connect(self._on_failed)
        self.owner_thread.ended.connect(self.retired)
        if owner is not None:
            owner.destroyed.connect(self.retire)
        self.retiring = False
        self._load_waiting = False
        self._waiting_runs: list[tuple[int, GenerationRequest, threading.Event]] = []
        self.owner_thread.start()

    def load(self) -> None:
        """Load on the worker thread, once no other worker thread is still ending."""
        if self.retiring:
            return
        if retiring_count():
            if not self._load_waiting:
                self._load_waiting = True
                registry().idle.connect(self._load_now)
            return
        self._load_requested.emit()

    @Slot()
    def _load_now(self) -> None:
        if self._load_waiting:
            self._load_waiting = False
            registry().idle.disconnect(self._load_now)
            self.load()
            # Runs asked for meanwhile go to the worker after the load, in order.
            waiting, self._waiting_runs = self._waiting_runs, []
            for args in waiting:
                self._generate_requested.emit(*args)

    @property
    def waiting_to_load(self) -> bool:
        return self._load_waiting

    def generate(self, request: GenerationRequest) -> int:
        request_id = next(_ids)
        stop = threading.Event()
        self._stops[request_id] = stop
        if self.retiring:
            stop.set()  # the worker answers "stopped" if the call still reaches it
        if self._load_waiting:
            self._waiting_runs.append((request_id, request, stop))
        elif not self.retiring:
            self._generate_requested.emit(request_id, request, stop)
        return request_id

    def stop(self, request_id: int | None = None) -> None:
        for rid, event in self._stops.items():
            if request_id is None or rid == request_id:
                event.set()

    @Slot()
    def retire(self) -> None:
        """Never blocks: stop runs, then unload and end the thread after the current work.
        Signals of a retiring host are no longer relayed; `retired` says it is gone."""
        if self.retiring:
            return
        self.retiring = True
        self.stop()
        if self._load_waiting:
            self._load_waiting = False
            registry().idle.disconnect(self._load_now)
            self._waiting_runs = []  # stopped above; never started
        self.owner_thread.end()

    # Former name, kept for callers: it no longer waits.
    shutdown = retire

    # -- relays (run on the GUI thread) ---------------------------------------------------

    @Slot()
    def _on_loading(self) -> None:
        if not self.retiring:
            self.loading.emit()

    @Slot(dict)
    def _on_loaded(self, info: dict) -> None:
        if not self.retiring:
            self.loaded.emit(info)

    @Slot(dict)
    def _on_load_failed(self, error: dict) -> None:
        if not self.retiring:
            self.load_failed.emit(error)

    @Slot()
    def _on_unloaded(self) -> None:
        if not self.retiring:
            self.unloaded.emit()

    @Slot(int, object)
    def _on_step(self, request_id: int, event: object) -> None:
        if not self.retiring:
            self.step.emit(request_id, event)

    @Slot(int, object)
    def _on_finished(self, request_id: int, result: object) -> None:
        self._stops.pop(request_id, None)
        if not self.retiring:
            self.finished.emit(request_id, result)

    @Slot(int, dict)
    def _on_failed(self, request_id: int, error: dict) -> None:
        self._stops.pop(request_id, None)
        if not self.retiring:
            self.failed.emit(request_id, error)
