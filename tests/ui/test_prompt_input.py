"""The message box's keys: Enter sends, Shift+Enter adds a line, Esc asks to stop."""

from __future__ import annotations

from PySide6.QtCore import Qt

from app.core.conversations import Turn
from app.ui.chat.prompt_input import PromptInput


def test_enter_shift_enter_and_escape(qtbot) -> None:
    box = PromptInput()
    qtbot.addWidget(box)
    sent: list[str] = []
    stops: list[bool] = []
    box.submitted.connect(sent.append)
    box.stop_requested.connect(lambda: stops.append(True))
    qtbot.keyClicks(box, "first line")
    qtbot.keyClick(box, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClicks(box, "second")
    assert box.toPlainText() == "first line\nsecond" and sent == []
    qtbot.keyClick(box, Qt.Key.Key_Return)
    assert sent == ["first line\nsecond"]
    qtbot.keyClick(box, Qt.Key.Key_Escape)
    assert stops == [True]
    box.clear()
    qtbot.keyClick(box, Qt.Key.Key_Enter)
    assert sent == ["first line\nsecond"]  # nothing to send


def test_shortcuts_reach_the_controllers(qtbot, make_window) -> None:
    window = make_window(wait_loaded=False)
    keys = {s.key().toString(): s for s in window._shortcut_objects}
    assert {"Ctrl+N", "Ctrl+L", "Ctrl+R", "Ctrl+E", "Ctrl+T", "Ctrl+F"} <= set(keys)
    switch = window.chat_tab.chat.tint_switch
    before = switch.isChecked()
    keys["Ctrl+T"].activated.emit()
    assert switch.isChecked() is not before
    first = window.chat.conversation
    first.turns.append(Turn("user", "hi"))
    keys["Ctrl+N"].activated.emit()  # a new chat, since the current one is not empty
    assert window.chat.conversation is not first and window.chat.conversation.turns == []
