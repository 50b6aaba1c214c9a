"""The GUI-thread owner of the loaded pair: load/unload, runs, stop, batched step events.

Step events arrive from the worker one per target step; they are batched and re-emitted
about every 30 ms so the view repaints at screen rate, not at token rate. Events whose
request id is not the current run's (a stopped run's late tokens) are dropped here.
Changing the pair while a run is in progress is refused with a sentence.
"""

from __future__ import annotations

import time
from enum import StrEnum

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from app.core.engine import GenerationRequest, PairSpec, StepEvent
from app.ui.workers.worker_host import WorkerHost

BATCH_MS = 30


class PairState(StrEnum):
    UNLOADED = "unloaded"
    LOADING = "loading"
    READY = "ready"
    RUNNING = "running"
    FAILED = "failed"


class GenerationController(QObject):
    state_changed = Signal(str)
    loaded = Signal(dict)
    load_failed = Signal(dict)
    refused = Signal(str)
    run_started = Signal(int)
    steps = Signal(int, list)  # request id, [StepEvent, ...]
    run_finished = Signal(int, object)  # request id, GenerationResult
    run_failed = Signal(int, dict)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.host: WorkerHost | None = None
        self.state = PairState.UNLOADED
        self.current_id: int | None = None
        self.load_started_at = 0.0
        self.last_error: dict | None = None
        self._pending: list[StepEvent] = []
        self._timer = QTimer(self)
        self._timer.setInterval(BATCH_MS)
        self._timer.timeout.connect(self._flush)

    @property
    def spec(self) -> PairSpec | None:
        return self.host.spec if self.host is not None else None

    @property
    def busy(self) -> bool:
        return self.state is PairState.RUNNING

    def _set_state(self, state: PairState) -> None:
        self.state = state
        self.state_changed.emit(state.value)

    # -- pair lifecycle -------------------------------------------------------------------

    def ensure_pair(self, spec: PairSpec) -> bool:
        """Load `spec` unless it is already loaded or loading; refuse during a run."""
        if self.host is not None and self.host.spec == spec and self.state in (
                PairState.READY, PairState.LOADING, PairState.RUNNING):
            return True
        if self.busy:
            self.refused.emit("An answer is being generated. Stop it (Esc) or wait for it "
                              "to finish before changing the pair or its devices.")
            return False
        self._drop_host()
        host = WorkerHost(spec, owner=self)
        host.loaded.connect(self._on_loaded)
        host.load_failed.connect(self._on_load_failed)
        host.step.connect(self._on_step)
        host.finished.connect(self._on_finished)
        host.failed.connect(self._on_failed)
        self.host = host
        self.load_started_at = time.monotonic()
        self._set_state(PairState.LOADING)
        host.load()
        return True

    def unload(self) -> bool:
        if self.busy:
            self.refused.emit("Stop the answer in progress before unloading the pair.")
            return False
        self._drop_host()
        self._set_state(PairState.UNLOADED)
        return True

    def _drop_host(self) -> None:
        # Never waits: the old host finishes what it is doing (even a load mid-compile),
        # then unloads and ends its thread; the next load starts after that.
        if self.host is not None:
            host, self.host = self.host, None
            host.retire()

    def shutdown(self) -> None:
        self._timer.stop()
        self.current_id = None
        self._drop_host()

    # -- runs ----------------------------------------------------------------------------

    def start(self, request: GenerationRequest) -> int | None:
        if self.host is None or self.state in (PairState.UNLOADED, PairState.FAILED):
            self.refused.emit("No pair is loaded. Choose a pair and press Load.")
            return None
        if self.busy:
            self.refused.emit("An answer is already being generated; stop it first (Esc).")
            return None
        # While loading, the run is queued behind the load on the worker's thread.
        self._pending.clear()
        self.current_id = self.host.generate(request)
        self._set_state(PairState.RUNNING)
        self._timer.start()
        self.run_started.emit(self.current_id)
        return self.current_id

    def stop(self) -> None:
        if self.host is not None and self.current_id is not None:
            self.host.stop(self.current_id)

    @Slot(dict)
    def _on_loaded(self, info: dict) -> None:
        if self.sender() is not self.host:
            return
        if self.state is PairState.LOADING:
            self._set_state(PairState.READY)
        self.loaded.emit(info)

    @Slot(dict)
    def _on_load_failed(self, error: dict) -> None:
        if self.sender() is not self.host:
            return
        self.last_error = error
        self._set_state(PairState.FAILED)
        self.load_failed.emit(error)

    @Slot(int, object)
    def _on_step(self, request_id: int, event: StepEvent) -> None:
        if request_id == self.current_id:
            self._pending.append(event)

    @Slot()
    def _flush(self) -> None:
        if self._pending and self.current_id is not None:
            batch, self._pending = self._pending, []
            self.steps.emit(self.current_id, batch)

    def _end_run(self, request_id: int) -> bool:
        if request_id != self.current_id:
            return False  # a late result of a run the view no longer waits for
        self._flush()
        self._timer.stop()
        self.current_id = None
        if self.state is PairState.RUNNING:
            self._set_state(PairState.READY)
        return True

    @Slot(int, object)
    def _on_finished(self, request_id: int, result: object) -> None:
        if self._end_run(request_id):
            self.run_finished.emit(request_id, result)

    @Slot(int, dict)
    def _on_failed(self, request_id: int, error: dict) -> None:
        if self._end_run(request_id):
            self.run_failed.emit(request_id, error)
