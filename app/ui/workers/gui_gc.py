"""Python's cyclic garbage collector runs on the GUI thread only (thread rule 7).

Python collects cycles on whichever thread happens to allocate past the threshold: a
worker, a store job, a download thread. When a cycle holds a PySide object, its C++
destructor then runs on that thread: `QObject::~QObject` holds one of Qt's pooled
signal-slot mutexes while it calls each sender's `disconnectNotify`, whose PySide override
look-up waits for the GIL, while the GUI thread holds the GIL and waits for the same mutex
(in `QObject::disconnect` under `QWidget::setParent`, or in a destructor of its own). Both
stop for good: 2 of 20 rounds of tests/ui hung so (gdb stacks in docs/architecture.md).

So, once a window exists, automatic collection is off and a timer on the GUI thread does
the same work: every `INTERVAL_MS` it looks at the allocation counts and collects the
generations Python itself would have collected. Threads only ever drop references, and
whatever cycles they leave are freed here, on the GUI thread. pyqtgraph and calibre solve
the same problem the same way.
"""

from __future__ import annotations

import gc
import logging
import threading

from PySide6.QtCore import QCoreApplication, QObject, QTimer

from app.ui.workers.threads import alive

log = logging.getLogger(__name__)

INTERVAL_MS = 250

_collector: GuiThreadCollector | None = None


class GuiThreadCollector(QObject):
    """Turns automatic collection off and collects on a GUI-thread timer instead."""

    def __init__(self, app: QCoreApplication) -> None:
        super().__init__(app)
        self.thresholds = gc.get_threshold()
        self.collections = [0, 0, 0]
        gc.disable()
        self._timer = QTimer(self)
        self._timer.setInterval(INTERVAL_MS)
        self._timer.timeout.connect(self.check)
        self._timer.start()

    def check(self) -> int | None:
        """Collect the oldest generation whose count is past its threshold, as Python's
        own collector would; returns that generation, or None when none is due."""
        if gc.isenabled():  # something turned it back on: say so, and take over again
            log.warning("automatic garbage collection was enabled again; disabling it")
            gc.disable()
        counts = gc.get_count()
        due = [gen for gen in range(3) if counts[gen] > self.thresholds[gen]]
        if not due:
            return None
        generation = max(due)
        gc.collect(generation)
        self.collections[generation] += 1
        return generation


def install() -> GuiThreadCollector:
    """Start collecting on the GUI thread (idempotent). Call it on the GUI thread, after
    the QApplication exists."""
    global _collector
    app = QCoreApplication.instance()
    if app is None:
        raise RuntimeError("create the QApplication before installing the collector")
    if threading.current_thread() is not threading.main_thread():
        raise RuntimeError("the collector is installed from the GUI thread")
    if _collector is None or not alive(_collector):
        _collector = GuiThreadCollector(app)
    return _collector


def installed() -> GuiThreadCollector | None:
    """The collector, once `install` has run."""
    return _collector
