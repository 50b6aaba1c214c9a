"""Run slow start-up work (imports, device discovery) off the GUI thread.

`Background.run(fn)` calls `fn` on a daemon thread and emits `succeeded(result)` or
`failed(exception)`; the signals cross to the GUI thread through Qt's queued connection,
so slots run there. Used to show the window first and fill it in afterwards.
"""

from __future__ import annotations

import importlib
import logging
import threading
from collections.abc import Callable, Iterable
from typing import Any

from PySide6.QtCore import QObject, Signal

log = logging.getLogger(__name__)


class Background(QObject):
    succeeded = Signal(object)
    failed = Signal(object)

    def run(self, fn: Callable[[], Any], name: str = "tandem-background") -> None:
        threading.Thread(target=self._call, args=(fn,), name=name, daemon=True).start()

    def _call(self, fn: Callable[[], Any]) -> None:
        try:
            result = fn()
        except Exception as exc:  # reported on the GUI thread
            log.warning("background work failed: %r", exc)
            self._emit(self.failed, exc)
            return
        self._emit(self.succeeded, result)

    @staticmethod
    def _emit(signal: Any, value: object) -> None:
        try:
            signal.emit(value)
        except RuntimeError:
            pass  # the receiver's window closed meanwhile


def import_modules(names: Iterable[str]) -> Callable[[], list[str]]:
    """A function for `Background.run` that imports `names` (warming sys.modules)."""
    def load() -> list[str]:
        for name in names:
            importlib.import_module(name)
        return list(names)
    return load
