"""Guard against PySide6 builds that drop a reference to None on void calls.

PySide6 6.12.0 under CPython 3.11 did: every `setText`-like call took one reference from
None, and the window crashed with "deallocating None" after a few answers.
"""

from __future__ import annotations

import sys

import pytest
from PySide6.QtWidgets import QLabel


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="None is immortal from 3.12")
def test_void_calls_keep_none_alive(qtbot) -> None:
    label = QLabel()
    qtbot.addWidget(label)
    before = sys.getrefcount(None)
    for i in range(2000):
        label.setText(str(i))
        label.setVisible(False)
    assert sys.getrefcount(None) - before > -100
