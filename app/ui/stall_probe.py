"""Measure how long the GUI event loop stalls: a fast QTimer records the largest gap
between its ticks beyond the interval (wall time), and the most CPU time the GUI thread
spent between two ticks (the work that blocked the loop, without time spent waiting for
a core on a busy machine). Used by the responsiveness test and measurement."""

from __future__ import annotations

import time

from PySide6.QtCore import QObject, Qt, QTimer

INTERVAL_MS = 5


class StallProbe(QObject):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(INTERVAL_MS)
        self._timer.timeout.connect(self._tick)
        self._last = 0.0
        self._last_cpu = 0.0
        self.longest_ms = 0.0
        self.longest_cpu_ms = 0.0
        self.ticks = 0

    def start(self) -> None:
        self.longest_ms = 0.0
        self.longest_cpu_ms = 0.0
        self.ticks = 0
        self._last = time.perf_counter()
        self._last_cpu = time.thread_time()
        self._timer.start()

    def stop(self) -> float:
        self._timer.stop()
        self._tick()
        return self.longest_ms

    def _tick(self) -> None:
        now, cpu = time.perf_counter(), time.thread_time()
        self.longest_ms = max(self.longest_ms, (now - self._last) * 1000 - INTERVAL_MS)
        self.longest_cpu_ms = max(self.longest_cpu_ms, (cpu - self._last_cpu) * 1000)
        self._last, self._last_cpu = now, cpu
        self.ticks += 1
