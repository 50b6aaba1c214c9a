"""Fixtures for window tests: a main window on a private TANDEM_HOME, with the demo pair."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from PySide6.QtWidgets import QApplication

from app.ui.main_window import MainWindow
from app.ui.theme import theme
from app.ui.workers import gui_gc
from app.ui.workers.generation_controller import PairState
from app.ui.workers.threads import end_all, live_count

LOAD_TIMEOUT_MS = 60_000
RUN_TIMEOUT_MS = 60_000
THREADS_END_MS = 60_000


@pytest.fixture(scope="session", autouse=True)
def cycles_collected_on_the_gui_thread(qapp) -> None:
    """Thread rule 7 for every window test, also those that build no MainWindow."""
    gui_gc.install()


@pytest.fixture(autouse=True)
def no_thread_outlives_its_test(qtbot) -> Iterator[None]:
    """After each window test, every worker thread it started ends (with the event loop
    running, as in the app), so no test's threads are still ending while the next one
    builds windows (issue 18). A thread that cannot end in time fails the test."""
    yield
    end_all()
    qtbot.waitUntil(lambda: live_count() == 0, timeout=THREADS_END_MS)


@pytest.fixture
def make_window(qtbot, tandem_home) -> Iterator[Callable[..., MainWindow]]:
    windows: list[MainWindow] = []

    def make(wait_loaded: bool = True, **kwargs: object) -> MainWindow:
        app = QApplication.instance()
        assert isinstance(app, QApplication)
        theme.apply(app)
        window = MainWindow(**kwargs)  # type: ignore[arg-type]
        qtbot.addWidget(window)
        window.show()
        windows.append(window)
        if wait_loaded:
            qtbot.waitUntil(lambda: window.generation.state is PairState.READY,
                            timeout=LOAD_TIMEOUT_MS)
        return window

    yield make
    for window in windows:
        window.generation.shutdown()


def send_and_wait(qtbot, window: MainWindow, prompt: str) -> object:
    with qtbot.waitSignal(window.chat.answer_finished, timeout=RUN_TIMEOUT_MS) as blocker:
        window.chat.send(prompt)
    return blocker.args[0]
