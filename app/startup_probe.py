"""Cold-start probe: report when the main window is first shown, for the start-up budget.

With TANDEM_STARTUP_PROBE set, `watch_first_show(app)` prints one line on stdout when
the first main window has been shown and painted; with the value `exit` it then closes
the windows so the app quits by itself. `packaging/smoke.py --cold-start` times that
line from the moment it launched the process. Without the variable it does nothing.
"""

from __future__ import annotations

import os
import time

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QMainWindow

ENV = "TANDEM_STARTUP_PROBE"
LINE_PREFIX = "tandem-startup: main window shown"


def _seconds_since_process_start() -> float:
    import psutil

    return time.time() - psutil.Process().create_time()


class _FirstShow(QObject):
    def __init__(self, app: QApplication, exit_after: bool) -> None:
        super().__init__(app)
        self._app = app
        self._exit_after = exit_after
        self._seen = False

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (not self._seen and event.type() == QEvent.Type.Show
                and isinstance(watched, QMainWindow)):
            self._seen = True
            # A zero timer runs after the pending paint events: the window is on screen.
            QTimer.singleShot(0, self._report)
        return False

    def _report(self) -> None:
        print(f"{LINE_PREFIX} {_seconds_since_process_start():.3f} s after process start",
              flush=True)
        self._app.removeEventFilter(self)
        if self._exit_after:
            self._app.closeAllWindows()  # the window's own close path shuts workers down


def watch_first_show(app: QApplication) -> None:
    mode = os.environ.get(ENV, "")
    if mode:
        app.installEventFilter(_FirstShow(app, exit_after=mode == "exit"))
