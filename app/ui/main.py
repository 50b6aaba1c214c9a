"""Entry points: `run_app` opens the window; `build_main_window` builds it (self-test)."""

from __future__ import annotations

import sys

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from app import paths
from app.app_logging import previous_crash, setup_logging
from app.ui.error_dialog import ExceptionRelay, crash_notice, install_exception_hooks
from app.ui.main_window import MainWindow
from app.ui.theme import theme


def build_main_window(autoload: bool = True) -> MainWindow:
    """The window, built on the existing QApplication (the caller creates it). With
    autoload, it loads the last pair once shown; the self-test only shows it."""
    app = QApplication.instance()
    if isinstance(app, QApplication):
        theme.apply(app)
    return MainWindow(autoload=autoload)


def run_app(argv: list[str] | None = None) -> int:
    setup_logging()  # tandem.log and faults.log in the user log folder
    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv)
    assert isinstance(app, QApplication)
    app.setApplicationName("Tandem")
    icon = paths.resources_dir() / "icons" / "tandem.png"
    if icon.exists():
        app.setWindowIcon(QIcon(str(icon)))
    from app.startup_probe import watch_first_show

    watch_first_show(app)  # a no-op unless TANDEM_STARTUP_PROBE is set (cold-start budget)
    window = build_main_window()
    # Unhandled exceptions (GUI thread or workers) open a dialog instead of vanishing.
    install_exception_hooks(ExceptionRelay(lambda: window, app))
    window.show()
    crashed = previous_crash()
    if crashed:  # the last run died in native code: say so, with what faults.log holds
        notice = crash_notice(crashed, window)
        notice.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        QTimer.singleShot(0, notice.show)
    return app.exec()
