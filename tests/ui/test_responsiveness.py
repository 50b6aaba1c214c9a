"""The GUI event loop keeps turning while an answer is generated (QTimer stall probe).

The run is slowed on the worker thread (a pause per step), so generating on the GUI
thread, or waiting for the worker there, would stall the loop for the whole run.
The figures are printed; `python -m app.devtools.measure_window` records them properly.
"""

from __future__ import annotations

import time

from PySide6.QtCore import Qt

from app.ui.stall_probe import StallProbe
from tests.ui.conftest import send_and_wait


def test_the_event_loop_keeps_turning_during_a_run(qtbot, make_window) -> None:
    window = make_window()
    window.generation.host.worker.step.connect(lambda _rid, _event: time.sleep(0.05),
                                               Qt.ConnectionType.DirectConnection)
    probe = StallProbe()
    probe.start()
    started = time.perf_counter()
    result = send_and_wait(qtbot, window, "Tell me about speculative decoding.")
    run_ms = (time.perf_counter() - started) * 1000
    probe.stop()
    print(f"\nrun {run_ms:.0f} ms, {result.stats.target_steps} steps; longest GUI stall "
          f"{probe.longest_ms:.1f} ms wall, {probe.longest_cpu_ms:.1f} ms GUI-thread CPU; "
          f"{probe.ticks} ticks")
    assert result.stats.target_steps >= 5 and run_ms > 250
    assert probe.ticks > 10
    assert probe.longest_ms < run_ms * 0.8
    assert probe.longest_cpu_ms < 150
