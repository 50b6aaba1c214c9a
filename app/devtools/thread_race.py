"""Issue 18's crash in miniature, with the old worker lifecycle and with `threads.py`.

    python -m app.devtools.thread_race --pattern old --iterations 3000   # crashes or hangs
    python -m app.devtools.thread_race --pattern new --iterations 3000   # survives

Each iteration starts a thread with a worker and a host whose signals it relays, asks it
to end at once, drops the host, and builds a few combo boxes on the GUI thread (their
constructors take Qt's signal-slot mutexes, as opening a window does).

- `old`, the lifecycle before the fix: the worker is deleted on its own thread
  (`finished -> deleteLater`) and the host is dropped once `isFinished()` says so. The
  worker's destructor calls the host's `disconnectNotify`, which PySide turns into a call
  for the GIL, under one of Qt's pooled mutexes. Seen here within seconds: a deadlock (the
  GUI thread waiting for that mutex while holding the GIL), or a segfault on the worker
  thread with no Python frame (`~QObject -> Sbk_GetPyOverride -> PepType_GetDict` on the
  freed host).
- `new`: the same with `app.ui.workers.threads.WorkerThread`: nothing is dropped before `wait(0)`
  says the thread returned, and then on the GUI thread. (An earlier `new`, whose worker
  moved itself back to the GUI thread from its own thread, hung in 6 of 40 runs of 2000
  iterations: `moveToThread` keeps the GIL while it takes a signal-slot mutex.)

Run it with a timeout: a deadlock never returns. It prints the iterations done.
"""

from __future__ import annotations

import argparse
import faulthandler
import sys
import time

from PySide6.QtCore import QObject, QThread, QTimer, Signal, Slot
from PySide6.QtWidgets import QApplication, QComboBox

from app.ui.workers.threads import ThreadWorker, WorkerThread, live_count


class OldWorker(QObject):
    done = Signal()

    @Slot()
    def shut_down(self) -> None:
        self.done.emit()
        thread = self.thread()
        if thread is not None:
            thread.quit()


class OldHost(QObject):
    _shutdown = Signal()

    def __init__(self, board: set[OldHost]) -> None:
        super().__init__()
        self.board = board
        self.qthread = QThread()
        self.worker = OldWorker()
        self.worker.moveToThread(self.qthread)
        self._shutdown.connect(self.worker.shut_down)
        self.worker.done.connect(self._on_done)
        self.qthread.finished.connect(self.worker.deleteLater)
        self.qthread.finished.connect(self._on_finished)
        self.qthread.start()

    @Slot()
    def _on_done(self) -> None:
        pass

    @Slot()
    def _on_finished(self) -> None:
        if not self.qthread.isFinished():
            QTimer.singleShot(5, self._on_finished)
            return
        self.board.discard(self)  # trusted isFinished(): the worker may still be dying


class NewWorker(ThreadWorker):
    done = Signal()

    def release(self) -> None:
        self.done.emit()


class NewHost(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.worker = NewWorker()
        self.owner = WorkerThread(self.worker, "tandem-race-test")
        self.owner.keep(self)
        self.worker.done.connect(self._on_done)
        self.owner.start()

    @Slot()
    def _on_done(self) -> None:
        pass


def run(pattern: str, iterations: int) -> int:
    faulthandler.enable(all_threads=True)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    board: set[OldHost] = set()
    combos: list[QComboBox] = []
    for i in range(iterations):
        if pattern == "old":
            old = OldHost(board)
            board.add(old)
            old._shutdown.emit()
            del old
        else:
            new = NewHost()
            new.owner.end()
            del new
        for _ in range(5):
            combo = QComboBox()
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
            combos.append(combo)
        if len(combos) > 200:
            combos.clear()
        app.processEvents()
        if i % 500 == 0:
            print(f"iteration {i}", flush=True)
    deadline = time.monotonic() + 30
    while (board or live_count()) and time.monotonic() < deadline:
        app.processEvents()
    left = len(board) + live_count()
    print(f"survived {iterations} iterations; threads left {left}", flush=True)
    return 0 if not left else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pattern", choices=("old", "new"), default="new")
    parser.add_argument("--iterations", type=int, default=3000)
    args = parser.parse_args(argv)
    return run(args.pattern, args.iterations)


if __name__ == "__main__":
    raise SystemExit(main())
