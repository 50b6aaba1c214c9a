"""Run a GenerationWorker on its own QThread and relay its signals on the GUI thread.

Tests and views connect to the host's signals, which are emitted on the GUI thread
(queued from the worker), never to the worker's own. A host is never waited for on the
GUI thread and its thread is never terminated (issue 13 item 3): `retire` stops its
runs, queues an unload and the end of its thread behind whatever it is doing (a load
mid-compile finishes first), and emits `retired` when the thread has ended. Until every
retiring host is gone, a new host's load waits, so two pipelines never load at once and
a replaced pair's memory is freed before the next one is loaded.
"""

from __future__ import annotations

import atexit
import itertools
import threading
from typing import Protocol

from PySide6.QtCore import QObject, QThread, QTimer, Signal, Slot

from app.core.engine import GenerationRequest, PairSpec
from app.ui.generation_worker import GenerationWorker

_ids = itertools.count(1)  # request ids are unique across hosts


class Retiring(Protocol):
    """Anything whose thread must end before the window closes or the next load starts."""

    worker_thread: QThread


class RetirementBoard(QObject):
    """The hosts being retired (process-wide, GUI thread); `idle` when none is left."""

    idle = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.hosts: set[Retiring] = set()

    def add(self, host: Retiring) -> None:
        self.hosts.add(host)

    def remove(self, host: Retiring) -> None:
        self.hosts.discard(host)
        if not self.hosts:
            self.idle.emit()


_board: RetirementBoard | None = None


def board() -> RetirementBoard:
    global _board
    if _board is None:
        _board = RetirementBoard()
    return _board


def retiring_count() -> int:
    return len(board().hosts)


EXIT_WAIT_MS = 120_000


@atexit.register
def _let_retiring_threads_end() -> None:
    """At interpreter exit, when no window and no event loop are left: a QThread destroyed
    while its thread runs aborts the process, so let retiring workers finish first."""
    if _board is not None:
        for host in list(_board.hosts):
            host.worker_thread.wait(EXIT_WAIT_MS)


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
    _unload_requested = Signal()
    _shutdown_requested = Signal()

    def __init__(self, spec: PairSpec, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.spec = spec
        self.worker_thread = QThread()
        self.worker_thread.setObjectName(f"tandem-worker-{spec.label()}")
        self.worker = GenerationWorker(spec)
        self.worker.moveToThread(self.worker_thread)
        self._stops: dict[int, threading.Event] = {}
        self._load_requested.connect(self.worker.load)
        self._generate_requested.connect(self.worker.generate)
        self._unload_requested.connect(self.worker.unload)
        self._shutdown_requested.connect(self.worker.shut_down)
        self.worker.loading.connect(self._on_loading)
        self.worker.loaded.connect(self._on_loaded)
        self.worker.load_failed.connect(self._on_load_failed)
        self.worker.unloaded.connect(self._on_unloaded)
        self.worker.step.connect(self._on_step)
        self.worker.finished.connect(self._on_finished)
        self.worker.failed.connect(self._on_failed)
        # The standard pattern: the worker is deleted on its own thread as it ends.
        self.worker_thread.finished.connect(self.worker.deleteLater)
        self.worker_thread.finished.connect(self._on_thread_finished)
        self.retiring = False
        self._load_waiting = False
        self._waiting_runs: list[tuple[int, GenerationRequest, threading.Event]] = []
        self.worker_thread.start()

    def load(self) -> None:
        """Load on the worker thread, once no other host is still retiring."""
        if self.retiring:
            return
        if retiring_count():
            if not self._load_waiting:
                self._load_waiting = True
                board().idle.connect(self._load_now)
            return
        self._load_requested.emit()

    @Slot()
    def _load_now(self) -> None:
        if self._load_waiting:
            self._load_waiting = False
            board().idle.disconnect(self._load_now)
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
        if self._load_waiting:
            self._waiting_runs.append((request_id, request, stop))
        else:
            self._generate_requested.emit(request_id, request, stop)
        return request_id

    def unload(self) -> None:
        self._unload_requested.emit()

    def stop(self, request_id: int | None = None) -> None:
        for rid, event in self._stops.items():
            if request_id is None or rid == request_id:
                event.set()

    def retire(self) -> None:
        """Never blocks: stop runs, then unload and end the thread after the current work.
        Signals of a retiring host are no longer relayed; `retired` says it is gone."""
        if self.retiring:
            return
        self.retiring = True
        self.stop()
        if self._load_waiting:
            self._load_waiting = False
            board().idle.disconnect(self._load_now)
            self._waiting_runs = []  # stopped above; never started
        self.setParent(None)  # kept alive by the board, not by a view that may close
        board().add(self)
        if self.worker_thread.isRunning():
            self._shutdown_requested.emit()
        else:
            self._on_thread_finished()

    # Former name, kept for callers: it no longer waits.
    shutdown = retire

    @Slot()
    def _on_thread_finished(self) -> None:
        if self not in board().hosts:
            return
        if not self.worker_thread.isFinished():
            # `finished` is emitted just before the thread really ends: look again soon
            # (a QThread object must not be destroyed while its thread still runs).
            QTimer.singleShot(5, self._on_thread_finished)
            return
        self.retired.emit()
        board().remove(self)
        # The board held the last reference; drop it in a later loop turn, not inside
        # this slot (the host and its finished QThread are then freed by Python).
        QTimer.singleShot(0, lambda _keep=self: None)

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
