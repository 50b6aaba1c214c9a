"""The rules of app/ui/workers/threads.py, each checked where it used to break (issue 18).

The crash was a worker QObject deleted on its own thread (`finished -> deleteLater`): its
destructor called the host's `disconnectNotify`, which PySide turns into a wait for the
GIL, while it held one of Qt's pooled signal-slot mutexes; the GUI thread, holding the
GIL, waited for that mutex to connect a combo box (a deadlock, seen with gdb), or had just
freed the host (a segfault on the worker thread with no Python frame).
"""

from __future__ import annotations

import gc
import os
import subprocess
import sys
import threading
import weakref
from pathlib import Path
from typing import ClassVar

from PySide6.QtCore import QObject, QThread
from PySide6.QtWidgets import QComboBox

from app.core.engine import PairSpec
from app.ui.workers.background import Background
from app.ui.workers.store_jobs import StoreJobs
from app.ui.workers.threads import ThreadWorker, WorkerThread, live_count, post_to_gui
from app.ui.workers.worker_host import WorkerHost
from tests.conftest import ROOT

END_MS = 30_000


def _gui_thread_id() -> int:
    return threading.main_thread().ident or 0


class _TracedWorker(ThreadWorker):
    """Records the thread that drops it (shiboken deletes the C++ side right there)."""

    dropped_on: ClassVar[list[int]] = []

    def __del__(self) -> None:
        _TracedWorker.dropped_on.append(threading.get_ident())


def test_a_worker_is_destroyed_on_the_gui_thread_after_its_thread_returned(qtbot) -> None:
    worker = _TracedWorker()
    _TracedWorker.dropped_on = []
    child = QObject(worker)  # gone once the worker's C++ side is
    owner = WorkerThread(worker, "tandem-test-worker")
    released_on: list[int] = []
    worker.release = lambda: released_on.append(threading.get_ident())  # type: ignore[method-assign]
    owner.start()
    qtbot.waitUntil(owner.qthread.isRunning, timeout=END_MS)
    del worker
    with qtbot.waitSignal(owner.ended, timeout=END_MS):
        owner.end()
    assert owner.qthread.wait(0)  # really returned, not only "finished"
    assert released_on and released_on[0] != _gui_thread_id()  # freed where it was built
    qtbot.waitUntil(lambda: not _alive(child), timeout=END_MS)
    assert _TracedWorker.dropped_on == [_gui_thread_id()]


def test_the_host_outlives_its_thread_even_when_nobody_holds_it(qtbot, tmp_path: Path) -> None:
    host = WorkerHost(PairSpec(tmp_path / "missing"))
    worker_ref = weakref.ref(host.worker)
    ended: list[bool] = []
    thread = host.worker_thread
    host.retired.connect(lambda: ended.append(thread.wait(0)))
    ref = weakref.ref(host)
    host.retire()
    del host
    gc.collect()
    assert ref() is not None  # its WorkerThread holds it until the thread has ended
    qtbot.waitUntil(lambda: bool(ended), timeout=END_MS)
    assert ended == [True]
    qtbot.waitUntil(lambda: ref() is None and worker_ref() is None, timeout=END_MS)


def test_a_host_whose_owner_is_destroyed_retires_itself(qtbot, tmp_path: Path) -> None:
    owner = QObject()
    host = WorkerHost(PairSpec(tmp_path / "missing"), owner=owner)
    with qtbot.waitSignal(host.retired, timeout=END_MS):
        owner.deleteLater()  # a view closed without shutting its controller down
    assert host.retiring and host.worker_thread.wait(0)


def test_store_jobs_outlive_their_tab_and_end(qtbot) -> None:
    tab = QObject()
    jobs = StoreJobs(owner=tab)
    thread = jobs.job_thread
    ended: list[bool] = []
    jobs.owner_thread.ended.connect(lambda: ended.append(True))
    tab.deleteLater()
    qtbot.waitUntil(lambda: bool(ended), timeout=END_MS)
    assert thread.wait(0)


def test_many_threads_end_while_the_gui_thread_connects(qtbot, tmp_path: Path) -> None:
    """The deadlock's shape, many times over: threads end while the GUI thread builds
    widgets, whose constructors take Qt's signal-slot mutexes."""
    hosts = [WorkerHost(PairSpec(tmp_path / f"missing-{i}")) for i in range(12)]
    for host in hosts:
        host.retire()
    combos = []
    while live_count():
        for _ in range(20):
            combo = QComboBox()
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
            combos.append(combo)
        qtbot.wait(1)
        assert len(combos) < 200_000, "threads did not end"
    assert all(host.worker_thread.wait(0) for host in hosts)
    # No worker moved itself back from its thread (moveToThread keeps the GIL while it
    # takes a signal-slot mutex: rule 2); each keeps its ended thread, where nothing runs.
    assert all(host.worker.thread() is host.worker_thread  # type: ignore[union-attr]
               for host in hosts)


def test_a_python_thread_reports_to_a_closed_view_without_touching_it(qtbot) -> None:
    view = QObject()
    background = Background(view)
    got: list[object] = []
    background.succeeded.connect(got.append)
    gate = threading.Event()
    background.run(lambda: gate.wait(10) and "late", name="tandem-test-background")
    view.deleteLater()  # the window closes while the work is still running
    qtbot.waitUntil(lambda: not _alive(background), timeout=END_MS)
    gate.set()
    qtbot.waitUntil(lambda: not any(t.name == "tandem-test-background"
                                    for t in threading.enumerate()), timeout=END_MS)
    done = threading.Event()
    post_to_gui(done.set)  # queued after the background's result
    qtbot.waitUntil(done.is_set, timeout=END_MS)
    assert got == []  # dropped, not delivered to a deleted object


def _alive(obj: QObject) -> bool:
    try:
        obj.objectName()
    except RuntimeError:
        return False
    return True


def test_worker_threads_are_never_terminated(qtbot, tmp_path: Path, monkeypatch) -> None:
    calls: list[str] = []
    monkeypatch.setattr(QThread, "terminate", lambda self: calls.append("terminate"))
    host = WorkerHost(PairSpec(tmp_path / "missing"))
    with qtbot.waitSignal(host.retired, timeout=END_MS):
        host.retire()
    assert calls == []


def test_the_crash_in_miniature_survives_with_the_new_lifecycle() -> None:
    """app/devtools/thread_race.py: 4000 threads started and ended at once while the GUI
    thread builds widgets. With the old lifecycle (`--pattern old`) the same script hung or
    segfaulted within seconds, 3 runs of 3, as issue 18's suite did."""
    done = subprocess.run([sys.executable, "-X", "faulthandler", "-m",
                           "app.devtools.thread_race", "--pattern", "new", "--iterations",
                           "4000"], cwd=ROOT, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert done.returncode == 0, done.stderr[-3000:]
    assert "survived 4000 iterations; threads left 0" in done.stdout
