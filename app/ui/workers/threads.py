"""Every thread the window starts, and the rules that keep them from crashing it.

The rules (docs/architecture.md, "Threads", says why each one exists):

1. **One owner.** A `WorkerThread` owns one `QThread` and one worker `QObject` moved onto
   it. It has no Qt parent: the process-wide `registry()` holds it from `start` until its
   thread has really ended, so neither a view that closes nor Python's garbage collector
   can free a running thread or a worker that is in use.
2. **The worker dies on the GUI thread, after its thread.** The worker is created on the
   GUI thread and works on its own; its last call there (`ThreadWorker.release`, queued
   behind whatever it is doing, so a load mid-compile finishes first) frees what it built
   on that thread (the OpenVINO pipeline) and ends the thread's event loop. The worker
   itself is dropped by the owner, on the GUI thread, once the thread has returned; it
   keeps the ended thread's affinity, so a late queued call to it never runs anywhere.
   Nothing Python owns is destroyed on a worker thread. (Destroying a PySide object there
   ran QObject's destructor, which calls into Python for the GIL while holding Qt's
   signal-slot mutex; the GUI thread takes them the other way round: a deadlock, or a
   use-after-free segfault when the host was freed meanwhile: issue 18.)
   Code on a worker thread calls no Qt function that keeps the GIL while it takes a
   signal-slot mutex: emitting and connecting let go of the GIL, `moveToThread` and
   `disconnect` keep it (docs/architecture.md has the deadlock this caused).
3. **Really ended.** `QThread.isFinished()` is already true while the thread is still in
   its last clean-up; only `QThread.wait(0)` (which never blocks) says it has returned.
   The owner looks again every few milliseconds until then, and only then drops the worker
   (on the GUI thread) and the QThread.
4. **Python threads never emit on a view's objects.** Results cross to the GUI thread
   through `post_to_gui(fn)`, whose relay object lives as long as the process; `fn` runs
   on the GUI thread and checks that its receiver still exists (`alive`).
5. **Bounded teardown, no blocking.** `end()` never waits. A window closes for real once
   `registry().idle` is emitted (`orderly_exit.py`); tests end every thread between
   tests with the event loop running (`end_all`); at interpreter exit,
   `wait_all_at_exit` waits for what is left, at most `EXIT_WAIT_MS`.
6. **Qt types are made on the GUI thread only.** PySide6 makes them eagerly, at a Qt
   module's import (`app/__init__.py` says why), and a thread that is not the GUI thread
   imports no Qt module the GUI thread has not imported first.
7. **Cycles are collected on the GUI thread only.** Python's collector runs on whichever
   thread allocates past its threshold, and a cycle holding a PySide object would then be
   destroyed there (rule 2's deadlock). Once a window exists, automatic collection is
   off and `gui_gc.install`'s timer on the GUI thread collects instead.
"""

from __future__ import annotations

import atexit
import logging
import threading
import time
from collections.abc import Callable

import shiboken6
from PySide6.QtCore import QObject, QThread, QTimer, Signal, Slot

log = logging.getLogger(__name__)

EXIT_WAIT_MS = 120_000
POLL_MS = 5


def alive(obj: object) -> bool:
    """True while `obj`'s C++ side exists (a closed view's objects are gone)."""
    return isinstance(obj, shiboken6.Shiboken.Object) and shiboken6.isValid(obj)


class ThreadWorker(QObject):
    """A worker that lives on a `WorkerThread`: override `release` to free, on the worker
    thread, what its slots built there."""

    def release(self) -> None:
        """Called on the worker thread, after every call queued before the end."""

    @Slot()
    def _end_here(self) -> None:
        try:
            self.release()
        except Exception:  # the thread must end all the same
            log.exception("%s failed to release its resources", type(self).__name__)
        finally:
            # No moveToThread here: it holds the GIL while taking a signal-slot mutex
            # (rule 2). The owner drops this worker on the GUI thread after the thread.
            thread = QThread.currentThread()
            if thread is not None:
                thread.quit()


class Registry(QObject):
    """Every `WorkerThread` not yet ended (GUI thread). `idle` once none is ending."""

    idle = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.live: set[WorkerThread] = set()
        self.ending: set[WorkerThread] = set()

    def add(self, owner: WorkerThread) -> None:
        self.live.add(owner)

    def ending_started(self, owner: WorkerThread) -> None:
        self.ending.add(owner)

    def remove(self, owner: WorkerThread) -> None:
        self.live.discard(owner)
        was_ending = owner in self.ending
        self.ending.discard(owner)
        if was_ending and not self.ending:
            self.idle.emit()


_registry: Registry | None = None


def registry() -> Registry:
    global _registry
    if _registry is None:
        _registry = Registry()
    return _registry


def ending_count() -> int:
    """Threads asked to end that have not yet ended."""
    return len(registry().ending)


def live_count() -> int:
    return len(registry().live)


class WorkerThread(QObject):
    """One QThread and its worker, from start to the real end of the thread (rules 1-3)."""

    ended = Signal()  # GUI thread: the thread has returned; the worker is let go of next
    _end_requested = Signal()

    def __init__(self, worker: ThreadWorker, name: str) -> None:
        super().__init__()  # never a Qt child (rule 1)
        self.worker: ThreadWorker | None = worker
        self.qthread = QThread()
        self.qthread.setObjectName(name)
        worker.moveToThread(self.qthread)
        self._end_requested.connect(worker._end_here)
        self.qthread.finished.connect(self._on_thread_finished)
        self._kept: list[QObject] = []
        self.ending = False
        self.done = False
        registry().add(self)

    def keep(self, relay: QObject) -> None:
        """Hold `relay` (an object the worker's signals reach) until the thread has ended:
        a receiver freed while the worker may still emit to it is a use-after-free."""
        self._kept.append(relay)

    def start(self) -> None:
        self.qthread.start()

    def end(self) -> None:
        """Never blocks: release and end after the work already queued (rule 2)."""
        if self.ending:
            return
        self.ending = True
        registry().ending_started(self)
        if self.qthread.isRunning():
            self._end_requested.emit()
        else:  # never started, or already gone: nothing runs there any more
            QTimer.singleShot(0, self._on_thread_finished)

    @Slot()
    def _on_thread_finished(self) -> None:
        if self.done or not self.ending:
            return
        if self.qthread.isRunning() or not self.qthread.wait(0):  # rule 3
            QTimer.singleShot(POLL_MS, self._on_thread_finished)
            return
        self._finish()

    def _finish(self) -> None:
        self.done = True
        registry().remove(self)
        self.ended.emit()
        # Let go of the worker, the relays and this owner in a later loop turn, not inside
        # this slot: they are then freed here, on the GUI thread, after the thread.
        held = (self.worker, self._kept, self)
        self.worker, self._kept = None, []
        QTimer.singleShot(0, lambda _held=held: None)


def wait_all_at_exit(timeout_ms: int = EXIT_WAIT_MS) -> None:
    """Block until every live thread has returned (no event loop left to poll with)."""
    if _registry is None:
        return
    deadline = time.monotonic() + timeout_ms / 1000
    for owner in list(_registry.live):
        if not owner.ending:
            owner.end()
        left = max(0, int((deadline - time.monotonic()) * 1000))
        owner.qthread.wait(left)


atexit.register(wait_all_at_exit)


def end_all() -> None:
    """Ask every live thread to end (never blocks); `live_count()` reaches 0 once they have
    (the stress tool and the tests' teardown wait for that with the event loop running)."""
    if _registry is not None:
        for owner in list(_registry.live):
            owner.end()


# -- rule 4: from any Python thread to the GUI thread ----------------------------------------

class _Relay(QObject):
    call = Signal(object)

    def __init__(self) -> None:
        super().__init__()
        self.call.connect(self._run)

    @Slot(object)
    def _run(self, fn: Callable[[], None]) -> None:
        try:
            fn()
        except Exception:
            log.exception("a result posted to the GUI thread failed")


_relay: _Relay | None = None
_relay_lock = threading.Lock()


def install_relay() -> None:
    """Create the relay on the GUI thread (the window does it at start)."""
    global _relay
    with _relay_lock:
        if _relay is None:
            _relay = _Relay()


def post_to_gui(fn: Callable[[], None]) -> None:
    """Run `fn` on the GUI thread soon; safe from any thread, whatever has closed since."""
    if _relay is None:
        if threading.current_thread() is threading.main_thread():
            install_relay()
        else:
            raise RuntimeError("install_relay() must run on the GUI thread first")
    assert _relay is not None
    _relay.call.emit(fn)
