"""Notice when the model store changes on disk (a pull from the CLI, another window).

A QFileSystemWatcher on the store and its pairs folder reacts at once where the platform
supports it; a cheap poll (the pairs folder's names, sizes and times) catches the rest,
including a store folder created after the window opened.
"""

from __future__ import annotations

from PySide6.QtCore import QFileSystemWatcher, QObject, QTimer, Signal, Slot

from app.core.store import layout

POLL_MS = 2000
SETTLE_MS = 300  # a pull writes several files; report once they settle


def store_signature() -> tuple[tuple[str, int, int], ...]:
    folder = layout.pairs_dir()
    if not folder.is_dir():
        return ()
    found = []
    for path in sorted(folder.glob("*.json")):
        try:
            stat = path.stat()
        except OSError:
            continue
        found.append((path.name, stat.st_size, stat.st_mtime_ns))
    return tuple(found)


class StoreWatcher(QObject):
    changed = Signal()

    def __init__(self, parent: QObject | None = None, poll_ms: int = POLL_MS) -> None:
        super().__init__(parent)
        self._signature = store_signature()
        self._watcher = QFileSystemWatcher(self)
        self._watcher.directoryChanged.connect(self._soon)
        self._watcher.fileChanged.connect(self._soon)
        self._settle = QTimer(self)
        self._settle.setSingleShot(True)
        self._settle.setInterval(SETTLE_MS)
        self._settle.timeout.connect(self.check)
        self._poll = QTimer(self)
        self._poll.setInterval(poll_ms)
        self._poll.timeout.connect(self.check)
        self._poll.start()
        self._watch()

    def _watch(self) -> None:
        wanted = [str(p) for p in (layout.root(), layout.pairs_dir()) if p.is_dir()]
        missing = [p for p in wanted if p not in self._watcher.directories()]
        if missing:
            self._watcher.addPaths(missing)

    @Slot(str)
    def _soon(self, _path: str) -> None:
        self._settle.start()

    @Slot()
    def check(self) -> bool:
        """Emit `changed` if the pairs changed since the last check; True if they did."""
        self._watch()
        signature = store_signature()
        if signature == self._signature:
            return False
        self._signature = signature
        self.changed.emit()
        return True

    def stop(self) -> None:
        self._poll.stop()
        self._settle.stop()
