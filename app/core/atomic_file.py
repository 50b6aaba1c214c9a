"""Write-temp-then-rename for JSON files, fsync helpers, and setting a corrupt file aside.

Two app instances may save at the same time: each writes its own uniquely named temp file
and `os.replace` swaps it in atomically, so a reader sees the old or the new file, never
a mix, and a crash mid-write leaves the previous version intact. The data is fsynced
before the rename and the folder after it, so a power loss leaves the old file or the
new one, never an empty one.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from pathlib import Path
from typing import Any


def atomic_write_json(path: Path, data: Any) -> None:
    """Write `data` as JSON to `path` so that a reader sees the old file or the new one, never a
    torn one, and the new one survives a power loss."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        with tmp.open("w", encoding="utf-8") as handle:
            json.dump(data, handle, ensure_ascii=False, indent=1)
            handle.flush()
            os.fsync(handle.fileno())
        _replace(tmp, path)
        fsync_dir(path.parent)  # the rename itself survives a power loss
    finally:
        if tmp.exists():
            tmp.unlink()


def fsync_file(path: Path) -> None:
    """Flush a file's data to disk (written by another process or library, say)."""
    with path.open("rb") as handle:
        os.fsync(handle.fileno())


def fsync_dir(folder: Path) -> None:
    """Make renames and new names in `folder` durable. Windows cannot open a directory
    for this (NTFS journals its metadata); there it is a no-op."""
    if os.name == "nt":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems (network shares) refuse fsync on a directory
    finally:
        os.close(fd)


def _replace(src: Path, dst: Path) -> None:
    # On Windows a reader holding the file open makes replace fail briefly: retry.
    for attempt in range(20):
        try:
            os.replace(src, dst)
            return
        except PermissionError:
            if attempt == 19:
                raise
            time.sleep(0.02)


def set_aside(path: Path) -> Path:
    """Rename a file that cannot be read so that it is kept, not overwritten or dropped."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.name}.corrupt-{stamp}")
    n = 1
    while target.exists():
        n += 1
        target = path.with_name(f"{path.name}.corrupt-{stamp}-{n}")
    os.replace(path, target)
    return target
