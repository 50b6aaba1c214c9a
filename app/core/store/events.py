"""What the store reports while it works, how it is cancelled, and its errors."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from app.core.engine.errors import TandemError


class StoreError(TandemError):
    """Base of the errors of downloading, converting and storing models."""
    kind = "store"


class HubAccessError(StoreError):
    """The Hub refused or could not be reached (gated, not found, offline, server error)."""

    kind = "hub_access"


class ConversionError(StoreError):
    """Converting a side to OpenVINO IR failed; the message carries the subprocess's reason."""
    kind = "conversion"


class NotEnoughResourcesError(StoreError):
    """Memory or disk is too short for the work asked for; nothing half-done is installed."""
    kind = "not_enough_resources"


class CancelledError(StoreError):
    """The work was cancelled; what was finished is kept, so running it again resumes."""
    kind = "cancelled"

    def __init__(self, message: str = "Cancelled.",
                 hint: str = "Run the same command again to resume; finished files are "
                             "kept.") -> None:
        super().__init__(message, hint)


@dataclass(frozen=True)
class Progress:
    """One report from a pull: the stage, the side, a sentence, and the bytes, files or fraction
    done when known."""
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
    """A progress callback that drops every report."""
    return None


class CancelToken:
    """Set from any thread (Ctrl+C, a Cancel button); checked by the work at safe points."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        """Ask the work to stop at its next safe point; callable from any thread."""
        self._event.set()

    @property
    def cancelled(self) -> bool:
        """Whether cancel was asked for."""
        return self._event.is_set()

    def check(self) -> None:
        """Raise CancelledError if cancel was asked for."""
        if self._event.is_set():
            raise CancelledError()

    def wait(self, timeout: float) -> bool:
        """Sleep up to `timeout` seconds, waking early on cancel; True when cancelled."""
        return self._event.wait(timeout)
