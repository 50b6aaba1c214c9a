"""Closing the window while a worker is busy (a load mid-compile): never wait for it on
the GUI thread and never terminate it (issue 13 item 3). The window hides at once; it
closes for real when every retiring worker has ended, or, should one hang, the process
exits after CLOSE_BOUND_MS (settings and chats are already saved by then)."""

from __future__ import annotations

import logging
import os

from PySide6.QtCore import QObject, QTimer
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QWidget

from app.ui.workers.threads import ending_count, registry

CLOSE_BOUND_MS = 120_000
log = logging.getLogger(__name__)


class OrderlyExit(QObject):
    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self.window = window
        self.started = False  # the window has saved and asked its workers to end
        self._waiting = False
        self._may_close = False

    def defer(self, event: QCloseEvent) -> bool:
        """True when the close must wait: the event is ignored and the window hidden."""
        if self._may_close or not ending_count():
            return False
        event.ignore()
        self.window.hide()
        if not self._waiting:
            self._waiting = True
            registry().idle.connect(self._close_now)
            QTimer.singleShot(CLOSE_BOUND_MS, self._give_up)
        return True

    def _close_now(self) -> None:
        self._may_close = True
        registry().idle.disconnect(self._close_now)
        self.window.close()

    def _give_up(self) -> None:
        if self._may_close:
            return
        log.error("workers still busy %d s after the window closed; exiting",
                  CLOSE_BOUND_MS // 1000)
        os._exit(0)
