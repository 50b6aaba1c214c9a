"""One job per pair across processes: the window and `tandem models pull` never build the
same pair at once.

The lock is a file, `models/.locks/<pair-id>.lock`, created exclusively and holding the
owner's process id. A lock whose process is gone (killed mid-pull) is stale and is taken
over. Inside one process a second job on the same pair is refused the same way.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import psutil

from app.core.store import layout
from app.core.store.events import StoreError

LOCKS = ".locks"
_held: set[str] = set()
_held_lock = threading.Lock()


class PairBusyError(StoreError):
    kind = "pair_busy"


def lock_path(pair_id: str) -> Path:
    return layout.root() / LOCKS / f"{pair_id}.lock"


def _owner(path: Path) -> int | None:
    try:
        text = path.read_text(encoding="utf-8").strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None


def _busy(pair_id: str, pid: int | None) -> PairBusyError:
    who = "this window" if pid == os.getpid() else f"another Tandem process (pid {pid})"
    return PairBusyError(f"{pair_id} is already being pulled or added by {who}.",
                         "Wait for that job to finish (or cancel it), then try again.")


def _try_create(path: Path) -> bool:
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
    except FileExistsError:
        return False
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(str(os.getpid()))
    return True


@contextlib.contextmanager
def pair_lock(pair_id: str) -> Iterator[None]:
    """Hold the pair's lock for the duration of a job, or raise PairBusyError."""
    with _held_lock:
        if pair_id in _held:
            raise _busy(pair_id, os.getpid())
        _held.add(pair_id)
    path = lock_path(pair_id)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if not _try_create(path):
            pid = _owner(path)
            if pid is not None and pid != os.getpid() and psutil.pid_exists(pid):
                raise _busy(pair_id, pid)
            path.unlink(missing_ok=True)  # stale: its process is gone
            if not _try_create(path):
                raise _busy(pair_id, _owner(path))
        try:
            yield
        finally:
            if _owner(path) == os.getpid():
                path.unlink(missing_ok=True)
    finally:
        with _held_lock:
            _held.discard(pair_id)


def locked_pairs() -> set[str]:
    """Pairs some live process is building now (for the window's list)."""
    folder = layout.root() / LOCKS
    if not folder.is_dir():
        return set()
    found = set()
    for path in folder.glob("*.lock"):
        pid = _owner(path)
        if pid is not None and psutil.pid_exists(pid):
            found.add(path.stem)
    return found
