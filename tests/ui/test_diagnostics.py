"""Unhandled exceptions open a dialog (any thread), and the Help menu's three actions."""

from __future__ import annotations

import logging
import sys
import threading

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import QApplication, QMainWindow

from app import paths
from app.ui.error_dialog import ExceptionRelay, install_exception_hooks


@pytest.fixture
def relay(qtbot, monkeypatch):
    # Put the hooks back after the test, whatever pytest or pytest-qt had installed.
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    monkeypatch.setattr(threading, "excepthook", threading.excepthook)
    window = QMainWindow()
    qtbot.addWidget(window)
    relay = ExceptionRelay(lambda: window, window)
    install_exception_hooks(relay)
    yield relay
    if relay.dialog is not None:
        relay.dialog.close()


def test_a_worker_thread_exception_opens_the_dialog_on_the_gui_thread(qtbot, relay, caplog):
    def work() -> None:
        raise ValueError("the worker exploded")

    worker = threading.Thread(target=work, name="tandem-test-worker")
    with caplog.at_level(logging.ERROR, logger="tandem.errors"):
        worker.start()
        worker.join()
        qtbot.waitUntil(lambda: relay.dialog is not None and relay.dialog.isVisible())
    dialog = relay.dialog
    assert dialog.thread() is QApplication.instance().thread()
    details = dialog.details.toPlainText()
    assert "ValueError: the worker exploded" in details and "in work" in details
    assert "the worker exploded" in dialog.summary.text()
    assert "thread tandem-test-worker" in caplog.text and "in work" in caplog.text
    dialog.copy_button.click()
    assert QGuiApplication.clipboard().text() == details
    assert dialog.copy_button.text() == "Copied ✓"


@pytest.mark.qt_no_exception_capture
def test_a_gui_thread_exception_opens_one_dialog_and_adds_later_errors(qtbot, relay):
    def slot(n: int) -> None:
        raise RuntimeError(f"slot failure {n}")

    QTimer.singleShot(0, lambda: slot(1))
    qtbot.waitUntil(lambda: relay.dialog is not None and relay.dialog.isVisible())
    first = relay.dialog
    QTimer.singleShot(0, lambda: slot(2))
    qtbot.waitUntil(lambda: "slot failure 2" in first.details.toPlainText())
    assert relay.dialog is first  # one dialog, not a pile of them
    assert "slot failure 1" in first.details.toPlainText()


def test_help_menu_copies_system_info_opens_logs_and_shows_about(make_window, qtbot,
                                                                   monkeypatch):
    window = make_window()
    qtbot.waitUntil(lambda: window.controls.devices_listed, timeout=30_000)
    menu = window.help_menu
    assert menu.menuAction() in window.menuBar().actions()
    assert [a.text() for a in menu.actions() if not a.isSeparator()] == [
        "Open log folder", "Copy system info", "About Tandem"]

    menu.copy_info.trigger()
    info = QGuiApplication.clipboard().text()
    assert info.startswith("Tandem ")
    assert "Devices: CPU — " in info and "looking for" not in info
    assert "RAM: " in info and " GiB total" in info
    assert "openvino-genai 2026.4" in info and "Qt: 6." in info
    assert f"Pair: {window.generation.spec.label()} on CPU" in info and "(ready)" in info

    opened = []
    monkeypatch.setattr(QDesktopServices, "openUrl",
                        staticmethod(lambda url: opened.append(url) or True))
    menu.open_logs.trigger()
    assert [u.toLocalFile() for u in opened] == [str(paths.log_dir())]
    assert paths.log_dir().is_dir()

    menu.about.trigger()
    box = menu.about_box
    qtbot.waitUntil(box.isVisible)
    assert "Tandem 0.1" in box.text() or "Tandem unknown" in box.text()
    assert "Apache License 2.0" in box.text() and "LGPL" in box.text()
    box.close()
