"""Library calls that hold Python's GIL for their whole run, marked where they are made.

While one runs on a worker thread, every other Python thread waits, the window's GUI
thread included: a stall the window cannot avoid by how it is written. Measured here
(openvino-genai 2026.4.1, demo pair, 2-core CPU): `openvino_genai.draft_model` holds it
for about 50 ms on a quiet machine and over 100 ms on a busy one. Stall measurements
(`app/ui/workers/stall_probe.py`) read `snapshot()` to tell such a stall from one of the app's
own making, and report both.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_started = 0
_ended = 0
_names: dict[str, int] = {}


@contextmanager
def holding_gil(name: str) -> Iterator[None]:
    """Mark a call known to hold the GIL throughout (`name` says which)."""
    global _started, _ended
    with _lock:
        _started += 1
        _names[name] = _names.get(name, 0) + 1
    try:
        yield
    finally:
        with _lock:
            _ended += 1


def snapshot() -> tuple[int, int]:
    """(calls started, calls ended) so far: a gap overlapped such a call when the started
    count moved during it or a call was still running at its start."""
    with _lock:
        return _started, _ended


def counts() -> dict[str, int]:
    with _lock:
        return dict(_names)
