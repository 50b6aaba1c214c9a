"""Helpers for the Models page tests."""

from __future__ import annotations

from collections.abc import Callable

from app.ui.main_window import MainWindow
from app.ui.workers.store_jobs import StoreJob

JOB_TIMEOUT_MS = 90_000


def run_job(qtbot, window: MainWindow, start: Callable[[], object]) -> tuple[str, object]:  # type: ignore[no-untyped-def]
    """Start a job and wait for it to end: ("finished", result) or ("failed", error)."""
    jobs = window.models_tab.jobs
    outcome: list[tuple[str, object]] = []

    def finished(_job: StoreJob, result: object) -> None:
        outcome.append(("finished", result))

    def failed(_job: StoreJob, error: dict) -> None:
        outcome.append(("failed", error))

    jobs.finished.connect(finished)
    jobs.failed.connect(failed)
    try:
        start()
        qtbot.waitUntil(lambda: bool(outcome), timeout=JOB_TIMEOUT_MS)
    finally:
        jobs.finished.disconnect(finished)
        jobs.failed.disconnect(failed)
    return outcome[0]


def pair_ids(combo) -> list[str]:  # type: ignore[no-untyped-def]
    return [combo.itemData(i) for i in range(combo.count())]
