"""Run slow start-up work (imports, device discovery) off the GUI thread.

`Background.run(fn)` calls `fn` on a daemon thread; `succeeded(result)` or
`failed(exception)` is then emitted on the GUI thread (through `threads.post_to_gui`, so
the daemon thread never touches this object, which may be gone with its window by then).
Used to show the window first and fill it in afterwards.
"""

from __future__ import annotations

import importlib
import logging
import threading
from collections.abc import Callable, Iterable
from typing import Any

from PySide6.QtCore import QObject, Signal

from app.ui.workers.threads import alive, install_relay, post_to_gui

log = logging.getLogger(__name__)


class Background(QObject):
    succeeded = Signal(object)
    failed = Signal(object)

    def run(self, fn: Callable[[], Any], name: str = "tandem-background") -> None:
        install_relay()
        deliver = self._deliver
        threading.Thread(target=_call, args=(fn, deliver), name=name, daemon=True).start()

    def _deliver(self, ok: bool, value: object) -> None:
        if alive(self):  # the window may have closed meanwhile
            (self.succeeded if ok else self.failed).emit(value)


def _call(fn: Callable[[], Any], deliver: Callable[[bool, object], None]) -> None:
    try:
        result = fn()
    except Exception as exc:  # reported on the GUI thread
        log.warning("background work failed: %r", exc)
        error: Exception = exc  # `exc` is unbound after the except block
        post_to_gui(lambda: deliver(False, error))
        return
    post_to_gui(lambda: deliver(True, result))


def import_modules(names: Iterable[str]) -> Callable[[], list[str]]:
    """A function for `Background.run` that imports `names` (warming sys.modules)."""
    def load() -> list[str]:
        for name in names:
            importlib.import_module(name)
        return list(names)
    return load
