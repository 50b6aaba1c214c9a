"""What the store reports while it works, how it is cancelled, and its errors."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from app.core.engine.errors import TandemError


class StoreError(TandemError):
    kind = "store"


class HubAccessError(StoreError):
    """The Hub refused or could not be reached (gated, not found, offline, server error)."""

    kind = "hub_access"


class ConversionError(StoreError):
    kind = "conversion"


class NotEnoughResourcesError(StoreError):
    kind = "not_enough_resources"


class CancelledError(StoreError):
    kind = "cancelled"

    def __init__(self, message: str = "Cancelled.",
                 hint: str = "Run the same command again to resume; finished files are "
                             "kept.") -> None:
        super().__init__(message, hint)


@dataclass(frozen=True)
class Progress:
    stage: str  # "download", "convert", "align", "verify", "done"
    side: str  # "target", "draft" or "" for the pair
    message: str
    bytes_done: int = 0
    bytes_total: int = 0
    files_done: int = 0
    files_total: int = 0
    fraction: float | None = None  # of this stage, when known


ProgressSink = Callable[[Progress], None]


def ignore_progress(event: Progress) -> None:
    return None


class CancelToken:
    """Set from any thread (Ctrl+C, a Cancel button); checked by the work at safe points."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def check(self) -> None:
        if self._event.is_set():
            raise CancelledError()

    def wait(self, timeout: float) -> bool:
        return self._event.wait(timeout)
