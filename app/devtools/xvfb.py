"""The screenshot tools' scaffolding. Outer process: start Xvfb (apt-get install xvfb) at
the window size, run the tool's `--inner` half inside it with a fresh TANDEM_HOME, stop
Xvfb. Inner half: `open_window`, the themed main window at that size."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication

    from app.ui.main_window import MainWindow

SIZE = (1440, 900)


def run_inside_xvfb(module: str, args: Sequence[str], display: str) -> int:
    """`python -m module --inner *args` on a virtual display; its exit code (2 without
    Xvfb)."""
    xvfb = shutil.which("Xvfb")
    if xvfb is None:
        print("Xvfb is not installed (Debian/Ubuntu: apt-get install xvfb).", file=sys.stderr)
        return 2
    server = subprocess.Popen([xvfb, display, "-screen", "0", f"{SIZE[0]}x{SIZE[1]}x24",
                               "-nolisten", "tcp"])
    try:
        time.sleep(1.0)
        with tempfile.TemporaryDirectory() as home:
            env = {**os.environ, "DISPLAY": display, "QT_QPA_PLATFORM": "xcb",
                   "TANDEM_HOME": home}
            return subprocess.call([sys.executable, "-m", module, "--inner", *args], env=env)
    finally:
        server.terminate()
        server.wait(10)


@dataclass
class ShotWindow:
    """The screenshot tools' inner half: a QApplication with Tandem's theme and the main
    window shown at SIZE, with the event-pumping waits they all use."""

    app: QApplication
    window: MainWindow
    out: Path

    def wait_until(self, condition: Callable[[], object], timeout_s: float = 60.0) -> bool:
        """Pump events until `condition()` is true or the time is up; its last value."""
        deadline = time.monotonic() + timeout_s
        while not condition() and time.monotonic() < deadline:
            self.app.processEvents()
            time.sleep(0.01)
        return bool(condition())


def open_window(out: Path) -> ShotWindow:
    from PySide6.QtWidgets import QApplication

    from app.ui.main_window import MainWindow
    from app.ui.theme import theme

    app = QApplication(sys.argv)
    theme.apply(app)
    window = MainWindow()
    window.setGeometry(0, 0, *SIZE)
    window.show()
    out.mkdir(parents=True, exist_ok=True)
    return ShotWindow(app, window, out)
