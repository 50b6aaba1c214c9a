"""Run a generation on a worker thread so that Ctrl+C stops it cooperatively.

The main thread only waits: Python delivers Ctrl+C there, and the run (local or remote)
sees the stop event within one step, keeping its partial text. Further Ctrl+C presses
only repeat the request; the thread is always waited for, never abandoned.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable

from app.core.engine.types import GenerationResult, StepEvent, StepSink


def echo_sink(echo: bool) -> StepSink:
    def sink(event: StepEvent) -> None:
        if echo and event.text:
            sys.stdout.write(event.text)
            sys.stdout.flush()

    return sink


def run_on_worker(work: Callable[[threading.Event], GenerationResult],
                  name: str = "tandem-generate") -> GenerationResult:
    stop = threading.Event()
    outcome: dict[str, object] = {}

    def target() -> None:
        try:
            outcome["result"] = work(stop)
        except BaseException as exc:  # handed to the main thread
            outcome["error"] = exc

    worker = threading.Thread(target=target, name=name, daemon=True)
    worker.start()
    while worker.is_alive():
        try:
            worker.join(0.1)
        except KeyboardInterrupt:
            stop.set()
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    return outcome["result"]  # type: ignore[return-value]
