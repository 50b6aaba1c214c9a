"""PySide6's Qt types are made eagerly, and only on the GUI thread (app/__init__.py)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from app.devtools.qt_type_race import main as qt_type_race
from app.ui.chat.chat_tab import CHART_QT_MODULES
from tests.conftest import ROOT


def _child(code: str) -> str:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1]


def test_importing_app_first_makes_every_qt_type_at_import() -> None:
    # Lazy, QtWidgets holds about 16 names after its import; eager, all of its ~200 types.
    count = _child("import app\nfrom PySide6 import QtWidgets\nprint(len(vars(QtWidgets)))")
    assert int(count) > 150


def test_the_test_process_makes_them_eagerly_too() -> None:
    from PySide6 import QtWidgets

    assert os.environ["PYSIDE6_OPTION_LAZY"] == "0"
    assert len(vars(QtWidgets)) > 150


def test_two_threads_reading_qt_types_at_once_never_crash(capsys) -> None:
    # With PySide6's lazy default about half of these rounds die by SIGSEGV.
    assert qt_type_race(["--rounds", "6"]) == 0
    assert "6 rounds with eager types, 0 crashed" in capsys.readouterr().out


@pytest.mark.slow
def test_the_chart_import_thread_brings_in_no_qt_module_of_its_own() -> None:
    code = ("import app, sys, importlib\n"
            "from PySide6 import QtCore, QtGui, QtWidgets\n"
            f"for name in {CHART_QT_MODULES!r}: importlib.import_module(name)\n"
            "before = {m for m in sys.modules if m.startswith('PySide6')}\n"
            "import pyqtgraph, app.ui.shared.metrics_view, app.ui.chat.system_panel\n"
            "print(sorted({m for m in sys.modules if m.startswith('PySide6')} - before))")
    assert _child(code) == "[]"


def test_a_qt_module_left_out_of_the_bundle_does_not_stop_the_charts(
        qtbot, monkeypatch: pytest.MonkeyPatch) -> None:
    # The frozen bundle leaves QtTest out; pyqtgraph does without it, and so must the tab.
    from app.ui.chat import chat_tab

    monkeypatch.setattr(chat_tab, "CHART_QT_MODULES", ("PySide6.QtNotBundled",))
    tab = chat_tab.ChatTab()
    qtbot.addWidget(tab)
    tab._import_charts()
    qtbot.waitUntil(lambda: tab._metrics is not None, timeout=60_000)
