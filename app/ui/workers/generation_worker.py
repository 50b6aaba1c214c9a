"""The generation worker: one long-lived QObject per loaded pair, living on its own QThread.

The worker owns the engine session: it is created, used and closed on the worker's
thread. Every slot that receives a cross-thread call is a `@Slot`. Each run carries a
request id and its own stop event, so the GUI side can drop late events of a stopped
run. The race tab reuses this class: give it a PairSpec, then queue `generate` calls.
`WorkerHost` (worker_host.py) wires it to a thread and relays its signals to the GUI;
`threads.py` says how it starts and ends.
"""

from __future__ import annotations

import threading
import time
import traceback
from typing import Any

from PySide6.QtCore import Signal, Slot

from app.core.engine import GenerationRequest, PairSpec, StepEvent, load_session
from app.core.engine.context_fit import generate_in_context
from app.core.engine.errors import TandemError
from app.core.engine.session import Session
from app.ui.workers.threads import ThreadWorker


def error_dict(exc: BaseException) -> dict[str, str]:
    """A TandemError's message and hint, or a generic sentence for anything else."""
    if isinstance(exc, TandemError):
        return exc.to_dict()
    return {"kind": "internal", "message": f"Unexpected error: {type(exc).__name__}: {exc}",
            "hint": "This is a bug in Tandem; please report it with the log.",
            "trace": "".join(traceback.format_exception(exc))[-4000:]}


class GenerationWorker(ThreadWorker):
    # A test seam: seconds to sleep before each load (makes a real load slow on purpose).
    load_delay_s: float = 0.0

    loading = Signal()
    loaded = Signal(dict)  # {"load_time_s", "backend", "mode", "context_length", "note"}
    load_failed = Signal(dict)  # TandemError.to_dict()
    unloaded = Signal()
    step = Signal(int, object)  # request id, StepEvent
    finished = Signal(int, object)  # request id, GenerationResult
    failed = Signal(int, dict)  # request id, error dict

    def __init__(self, spec: PairSpec) -> None:
        super().__init__()
        self.spec = spec
        self.session: Session | None = None
        self._lock = threading.Lock()
        self._running_stop: threading.Event | None = None

    @Slot()
    def load(self) -> None:
        if self.session is not None:
            return
        self.loading.emit()
        if self.load_delay_s:
            time.sleep(self.load_delay_s)
        try:
            self.session = load_session(self.spec)
        except BaseException as exc:
            self.load_failed.emit(error_dict(exc))
            return
        self.loaded.emit({"load_time_s": self.session.load_time_s,
                          "backend": self.session.backend_name,
                          "mode": self.session.mode.value,
                          "context_length": self.session.context_length,
                          # what the load had to give up (routed_session: memory)
                          "note": str(getattr(self.session, "note", ""))})

    @Slot(int, object, object)
    def generate(self, request_id: int, request: GenerationRequest,
                 stop: threading.Event) -> None:
        if stop.is_set():  # stopped before it started: nothing to do
            self.failed.emit(request_id, {"kind": "stopped", "message": "Stopped.",
                                          "hint": ""})
            return
        if self.session is None:
            self.failed.emit(request_id, {
                "kind": "not_loaded", "message": f"{self.spec.label()} is not loaded.",
                "hint": "Load the pair first (it may have failed to load; see above)."})
            return

        def sink(event: StepEvent) -> None:
            self.step.emit(request_id, event)

        with self._lock:
            self._running_stop = stop
        try:
            result = generate_in_context(self.session, request, sink, stop)
        except BaseException as exc:
            self.failed.emit(request_id, error_dict(exc))
            return
        finally:
            with self._lock:
                self._running_stop = None
        self.finished.emit(request_id, result)

    @Slot()
    def unload(self) -> None:
        if self.session is not None:
            self.session.close()
            self.session = None
        self.unloaded.emit()

    def release(self) -> None:
        """The pipeline is freed on the thread that built it, after any running work."""
        self.unload()

    def stop_current(self) -> None:
        """Thread-safe: ask the running generation (if any) to stop after its current step."""
        with self._lock:
            if self._running_stop is not None:
                self._running_stop.set()

    def describe(self) -> dict[str, Any]:
        return {"pair": self.spec.label(), "mode": self.spec.resolved_mode.value,
                "device": self.spec.device, "draft_device": self.spec.draft_device}
