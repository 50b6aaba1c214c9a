"""Measure how long the GUI event loop stalls: a fast QTimer records the largest gap
between its ticks beyond the interval (wall time), and the most CPU time the GUI thread
spent between two ticks (the work that blocked the loop, without time spent waiting for
a core on a busy machine). Used by the responsiveness test and measurement.

On Linux it also reads how long the GUI thread waited in the kernel's run queue for a core
(`/proc/thread-self/schedstat`): `longest_app_ms` is the largest gap less that wait, the
stall the app caused (its own work, and waits for the GIL or a lock, which are sleeps, not
run-queue time) rather than the other processes of a shared machine. Elsewhere it equals
`longest_ms`. A gap that overlapped a library call known to hold the GIL throughout
(`core/engine/gil_holds.py`: GenAI's `draft_model` while a draft pair loads) is kept apart,
in `longest_library_ms`, so that the app's own stalls and the library's are both seen."""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import QObject, Qt, QTimer

from app.core.engine import gil_holds

INTERVAL_MS = 5
SCHEDSTAT = Path("/proc/thread-self/schedstat")


def run_queue_ms() -> float:
    """The calling thread's total wait for a core, in ms (0 where the kernel doesn't say)."""
    try:
        return int(SCHEDSTAT.read_text().split()[1]) / 1e6
    except (OSError, IndexError, ValueError):
        return 0.0


class StallProbe(QObject):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(INTERVAL_MS)
        self._timer.timeout.connect(self._tick)
        self._last = 0.0
        self._last_cpu = 0.0
        self._last_queue = 0.0
        self.longest_ms = 0.0
        self.longest_cpu_ms = 0.0
        self.longest_app_ms = 0.0
        self.longest_library_ms = 0.0
        self._holds = (0, 0)
        self.ticks = 0

    def start(self) -> None:
        self.longest_ms = 0.0
        self.longest_cpu_ms = 0.0
        self.longest_app_ms = 0.0
        self.longest_library_ms = 0.0
        self._holds = gil_holds.snapshot()
        self.ticks = 0
        self._last = time.perf_counter()
        self._last_cpu = time.thread_time()
        self._last_queue = run_queue_ms()
        self._timer.start()

    def stop(self) -> float:
        self._timer.stop()
        self._tick()
        return self.longest_ms

    def _tick(self) -> None:
        now, cpu, queue = time.perf_counter(), time.thread_time(), run_queue_ms()
        gap = (now - self._last) * 1000 - INTERVAL_MS
        self.longest_ms = max(self.longest_ms, gap)
        self.longest_cpu_ms = max(self.longest_cpu_ms, (cpu - self._last_cpu) * 1000)
        holds = gil_holds.snapshot()
        library = holds[0] != self._holds[0] or self._holds[0] != self._holds[1]
        app_gap = gap - (queue - self._last_queue)
        if library:
            self.longest_library_ms = max(self.longest_library_ms, app_gap)
        else:
            self.longest_app_ms = max(self.longest_app_ms, app_gap)
        self._last, self._last_cpu, self._last_queue, self._holds = now, cpu, queue, holds
        self.ticks += 1
