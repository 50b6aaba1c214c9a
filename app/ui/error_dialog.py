"""Unhandled exceptions, on any thread, become a dialog with "Copy details" and a log entry.

The windowed build has no console, so a traceback printed to stderr would be lost.
`install_exception_hooks` replaces sys.excepthook and threading.excepthook; the hooks log
the traceback and post it to an `ExceptionRelay` living on the GUI thread (a queued signal
when raised on a worker), which shows one `ErrorDialog` and adds later errors to it.
"""

from __future__ import annotations

import logging
import sys
import threading
import traceback
from collections.abc import Callable
from types import TracebackType

from PySide6.QtCore import QObject, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app import paths

log = logging.getLogger("tandem.errors")


class ErrorDialog(QDialog):
    def __init__(self, summary: str, details: str, parent: QWidget | None = None,
                 headline: str = "") -> None:
        super().__init__(parent)
        self.setWindowTitle("Tandem: unexpected error")
        self.resize(720, 420)
        layout = QVBoxLayout(self)
        self.summary = QLabel(headline or (
            f"<b>Something went wrong: {_escape(summary)}</b><br>Tandem keeps running, "
            "and your chats are saved. If this happens again, please report it with the "
            f"details below; they are also in the log ({_escape(str(paths.log_dir()))})."))
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.summary)
        self.details = QPlainTextEdit(details)
        self.details.setReadOnly(True)
        self.details.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        layout.addWidget(self.details, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.copy_button = QPushButton("Copy details")
        self.copy_button.clicked.connect(self.copy_details)
        self.log_button = QPushButton("Open log folder")
        self.log_button.clicked.connect(open_log_folder)
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.log_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def add_error(self, details: str) -> None:
        self.details.appendPlainText("\n" + details)

    def copy_details(self) -> None:
        QGuiApplication.clipboard().setText(self.details.toPlainText())
        self.copy_button.setText("Copied ✓")


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def open_log_folder() -> bool:
    folder = paths.log_dir()
    folder.mkdir(parents=True, exist_ok=True)
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))


def crash_notice(excerpt: str, parent: QWidget | None = None) -> ErrorDialog:
    """Told at the next start after a native crash: what faults.log recorded, to copy."""
    dialog = ErrorDialog("", excerpt, parent, headline=(
        "<b>Tandem closed unexpectedly the last time it ran.</b><br>Your chats were saved "
        "as they were after each message. Please report this with the details below (the "
        "stacks of every thread at the crash, from faults.log in "
        f"{_escape(str(paths.log_dir()))}): <i>Copy details</i> puts them on the "
        "clipboard."))
    dialog.setWindowTitle("Tandem: the last run crashed")
    return dialog


class ExceptionRelay(QObject):
    """Lives on the GUI thread; `caught` is emitted from any thread."""

    caught = Signal(str, str)  # summary, details

    def __init__(self, parent_window: Callable[[], QWidget | None],
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._parent_window = parent_window
        self.dialog: ErrorDialog | None = None
        self.caught.connect(self._show)

    def report(self, kind: type[BaseException], error: BaseException,
               tb: TracebackType | None, thread: str = "") -> None:
        details = "".join(traceback.format_exception(kind, error, tb))
        where = f" in thread {thread}" if thread else ""
        log.error("unhandled exception%s\n%s", where, details.rstrip())
        if sys.stderr is not None:  # None in the windowed build
            sys.stderr.write(details)
        summary = f"{kind.__name__}: {error}"[:300]
        try:
            self.caught.emit(summary, details)
        except RuntimeError:
            pass  # the relay is gone (the app is closing): the log has it

    def _show(self, summary: str, details: str) -> None:
        if self.dialog is not None and self.dialog.isVisible():
            self.dialog.add_error(details)
            return
        self.dialog = ErrorDialog(summary, details, self._parent_window())
        self.dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.dialog.destroyed.connect(self._forget)
        self.dialog.show()

    def _forget(self) -> None:
        self.dialog = None


def install_exception_hooks(relay: ExceptionRelay) -> None:
    """Route uncaught exceptions of the GUI thread and of Python threads to `relay`."""
    previous = sys.excepthook

    def on_exception(kind: type[BaseException], error: BaseException,
                     tb: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt):
            previous(kind, error, tb)
            return
        relay.report(kind, error, tb)

    def on_thread_exception(args: threading.ExceptHookArgs) -> None:
        if args.exc_value is None or issubclass(args.exc_type, SystemExit):
            return
        name = args.thread.name if args.thread is not None else "?"
        relay.report(args.exc_type, args.exc_value, args.exc_traceback, name)

    sys.excepthook = on_exception
    threading.excepthook = on_thread_exception
