"""Thread rule 7: Python's cycles are collected on the GUI thread, never on a worker's.

A cycle that holds a PySide object, collected on another thread, runs QObject's destructor
there; it holds a signal-slot mutex while it waits for the GIL, and the GUI thread holding
the GIL waits for that mutex (2 of 20 rounds of tests/ui hung so)."""

from __future__ import annotations

import gc
import threading
import weakref

from PySide6.QtCore import QObject

from app.ui.workers import gui_gc


def _allocate_past_every_threshold(kept: list[object]) -> None:
    kept.extend([] for _ in range(50_000))  # container objects: what the collector counts


def test_a_thread_that_allocates_leaves_cycles_to_the_gui_thread(qtbot) -> None:
    collector = gui_gc.install()
    assert gc.isenabled() is False
    freed_on: list[int] = []

    def make_garbage() -> None:
        holder = QObject()
        holder.me = holder  # type: ignore[attr-defined]  # a cycle: only the collector frees it
        weakref.finalize(holder, lambda: freed_on.append(threading.get_ident()))

    make_garbage()
    kept: list[object] = []
    worker = threading.Thread(target=_allocate_past_every_threshold, args=(kept,))
    worker.start()
    worker.join()
    assert freed_on == [], "the cycle was collected on the worker thread"
    qtbot.waitUntil(lambda: freed_on != [], timeout=5_000)
    assert freed_on == [threading.get_ident()]
    kept.clear()
    assert sum(collector.collections) >= 1


def test_the_collector_collects_what_python_would_and_takes_over_again(qtbot) -> None:
    collector = gui_gc.install()
    assert gui_gc.install() is collector  # one per application
    gc.collect()
    assert collector.check() is None  # nothing allocated: nothing due
    kept: list[object] = [[] for _ in range(collector.thresholds[0] + 10)]
    assert collector.check() == 0  # past generation 0's threshold only
    kept.clear()
    gc.enable()  # a library turning it back on
    collector.check()
    assert gc.isenabled() is False
