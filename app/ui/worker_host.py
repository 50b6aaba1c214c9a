"""Run a GenerationWorker on its own QThread and relay its signals on the GUI thread.

Tests and views connect to the host's signals, which are emitted on the GUI thread
(queued from the worker), never to the worker's own. Shutdown is orderly: stop the run,
unload on the worker thread, quit, wait with a timeout; terminate only as a logged last
resort.
"""

from __future__ import annotations

import itertools
import logging
import threading

from PySide6.QtCore import QObject, QThread, Signal, Slot

from app.core.engine import GenerationRequest, PairSpec
from app.ui.generation_worker import GenerationWorker

log = logging.getLogger(__name__)
_ids = itertools.count(1)  # request ids are unique across hosts


class WorkerHost(QObject):
    # Relayed on the GUI thread.
    loading = Signal()
    loaded = Signal(dict)
    load_failed = Signal(dict)
    unloaded = Signal()
    step = Signal(int, object)
    finished = Signal(int, object)
    failed = Signal(int, dict)
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
        self.worker_thread.start()

    def load(self) -> None:
        self._load_requested.emit()

    def generate(self, request: GenerationRequest) -> int:
        request_id = next(_ids)
        stop = threading.Event()
        self._stops[request_id] = stop
        self._generate_requested.emit(request_id, request, stop)
        return request_id

    def unload(self) -> None:
        self._unload_requested.emit()

    def stop(self, request_id: int | None = None) -> None:
        for rid, event in self._stops.items():
            if request_id is None or rid == request_id:
                event.set()

    def shutdown(self, timeout_ms: int = 10_000) -> None:
        self.stop()
        if self.worker_thread.isRunning():
            self._shutdown_requested.emit()
            if not self.worker_thread.wait(timeout_ms):
                log.error("worker thread for %s did not stop in %d ms; terminating",
                          self.spec.label(), timeout_ms)
                self.worker_thread.terminate()
                self.worker_thread.wait(2000)
        self.worker.deleteLater()

    # -- relays (run on the GUI thread) ---------------------------------------------------

    @Slot()
    def _on_loading(self) -> None:
        self.loading.emit()

    @Slot(dict)
    def _on_loaded(self, info: dict) -> None:
        self.loaded.emit(info)

    @Slot(dict)
    def _on_load_failed(self, error: dict) -> None:
        self.load_failed.emit(error)

    @Slot()
    def _on_unloaded(self) -> None:
        self.unloaded.emit()

    @Slot(int, object)
    def _on_step(self, request_id: int, event: object) -> None:
        self.step.emit(request_id, event)

    @Slot(int, object)
    def _on_finished(self, request_id: int, result: object) -> None:
        self._stops.pop(request_id, None)
        self.finished.emit(request_id, result)

    @Slot(int, dict)
    def _on_failed(self, request_id: int, error: dict) -> None:
        self._stops.pop(request_id, None)
        self.failed.emit(request_id, error)
