"""The cold-start probe reports the first shown main window once, and can close the app."""

from __future__ import annotations

import time

import psutil
from PySide6.QtWidgets import QApplication, QMainWindow

from app import startup_probe


def test_probe_reports_the_first_main_window_and_closes_it(qtbot, monkeypatch, capsys):
    monkeypatch.setenv(startup_probe.ENV, "exit")
    app = QApplication.instance()
    startup_probe.watch_first_show(app)
    qtbot.wait(300)  # a probe that timed its installation, not the show, would be early
    window = QMainWindow()
    qtbot.addWidget(window)
    before_show = time.time() - psutil.Process().create_time()
    window.show()
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=5000)
    after_report = time.time() - psutil.Process().create_time()
    lines = [line for line in capsys.readouterr().out.splitlines()
             if line.startswith(startup_probe.LINE_PREFIX)]
    assert len(lines) == 1
    seconds = float(lines[0].removeprefix(startup_probe.LINE_PREFIX).split()[0])
    # Measured from process start (the same origin as here): between the show and the
    # report, within the line's millisecond rounding.
    assert before_show - 0.001 <= seconds <= after_report + 0.001
    second = QMainWindow()
    qtbot.addWidget(second)
    second.show()
    qtbot.wait(50)
    assert second.isVisible()  # the probe has removed itself after the first window
    assert startup_probe.LINE_PREFIX not in capsys.readouterr().out


def test_probe_does_nothing_without_the_variable(qtbot, monkeypatch, capsys):
    monkeypatch.delenv(startup_probe.ENV, raising=False)
    startup_probe.watch_first_show(QApplication.instance())
    window = QMainWindow()
    qtbot.addWidget(window)
    window.show()
    qtbot.wait(50)
    assert window.isVisible()
    assert startup_probe.LINE_PREFIX not in capsys.readouterr().out
