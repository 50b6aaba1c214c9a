"""Editing and copying any message, the multi-line system prompt with presets, the
context note and token count, and scrolling that leaves a reader where they are."""

from __future__ import annotations

import time

from PySide6.QtCore import QUrl
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QMessageBox

from app.core.conversations import Conversation, ConversationStore, Turn
from app.core.engine import StepEvent
from app.core.settings import load_settings
from app.ui.chat.chat_view import ChatView
from tests.ui.conftest import RUN_TIMEOUT_MS, send_and_wait

FIRST = "Tell me about speculative decoding."
SECOND = "What is a draft model?"
EDITED = "What is the capital of France?"


def _confirm_box(window) -> QMessageBox:  # type: ignore[no-untyped-def]
    box = window.chat.confirm_box
    assert box is not None and box.isVisible()
    return box


def test_edit_and_resend_replaces_later_turns_after_confirmation(qtbot, make_window) -> None:
    window = make_window()
    window.chat_tab.controls.max_new.setValue(24)
    send_and_wait(qtbot, window, FIRST)
    send_and_wait(qtbot, window, SECOND)
    chat, view = window.chat_tab.chat, window.chat_tab.chat.view
    assert "Edit" in view.toPlainText()
    view.anchorClicked.emit(QUrl("edit:0"))
    assert chat.input.toPlainText() == FIRST
    assert chat.edit_banner.isVisible() and "3 later messages" in chat.edit_banner.label.text()
    chat.input.setPlainText(EDITED)
    # Cancel in the confirmation: nothing changes.
    window.chat.send(EDITED)
    box = _confirm_box(window)
    box.button(QMessageBox.StandardButton.Cancel).click()
    assert len(window.chat.conversation.turns) == 4 and window.chat.pending is None
    # Replace: the later turns go, the edited message is answered.
    with qtbot.waitSignal(window.chat.answer_finished, timeout=RUN_TIMEOUT_MS) as done:
        window.chat.send(EDITED)
        box = _confirm_box(window)
        next(b for b in box.buttons()
             if box.buttonRole(b) is QMessageBox.ButtonRole.AcceptRole).click()
    assert "Paris" in done.args[0].text
    saved = ConversationStore().load(window.chat.conversation.id)
    assert saved is not None
    assert [(t.role, t.content) for t in saved.turns][:1] == [("user", EDITED)]
    assert len(saved.turns) == 2 and not chat.edit_banner.isVisible()
    assert FIRST not in view.toPlainText() and EDITED in view.toPlainText()


def test_editing_the_last_message_resends_without_asking(qtbot, make_window) -> None:
    window = make_window()
    window.chat_tab.controls.max_new.setValue(16)
    send_and_wait(qtbot, window, FIRST)
    window.chat.conversation.turns.pop()  # an unanswered last message (a failed run)
    window.chat.begin_edit(0)
    assert "replaced" not in window.chat_tab.chat.edit_banner.label.text()
    with qtbot.waitSignal(window.chat.answer_finished, timeout=RUN_TIMEOUT_MS):
        window.chat.send(EDITED)
    assert window.chat.confirm_box is None
    assert window.chat.conversation.turns[0].content == EDITED


def test_copy_any_message(qtbot, make_window) -> None:
    window = make_window()
    window.chat_tab.controls.max_new.setValue(24)
    first = send_and_wait(qtbot, window, FIRST)
    send_and_wait(qtbot, window, SECOND)
    view = window.chat_tab.chat.view
    view.anchorClicked.emit(QUrl("copymsg:0"))
    assert QGuiApplication.clipboard().text() == FIRST
    view.anchorClicked.emit(QUrl("copymsg:1"))  # an earlier answer, not only the last
    assert QGuiApplication.clipboard().text() == first.text
    assert window.chat_tab.chat.status.text() == "Message 2 copied."


def test_system_prompt_is_multi_line_with_saved_presets(qtbot, make_window) -> None:
    window = make_window()
    window.chat_tab.controls.max_new.setValue(16)
    prompt = window.chat_tab.chat.system_prompt
    text = "You are a concise assistant.\nAnswer in one sentence."
    prompt.setText(text)
    prompt.save_preset("Concise")
    prompt.editingFinished.emit()
    assert load_settings().settings.system_presets == {"Concise": text}
    send_and_wait(qtbot, window, FIRST)
    saved = ConversationStore().load(window.chat.conversation.id)
    assert saved is not None and saved.system_prompt == text
    assert saved.messages()[0].content == text  # both lines reach the model
    # A new chat starts empty; the preset brings the text back.
    window.conversations.new_conversation()
    assert prompt.text() == ""
    prompt.apply_preset("Concise")
    assert prompt.text() == text and window.chat.conversation.system_prompt == text
    assert prompt.presets.currentText() == "Concise"
    prompt.delete_current_preset()
    assert load_settings().settings.system_presets == {}
    # Presets come back with the next window.
    prompt.setText("Be brief.")
    prompt.save_preset("Brief")
    again = make_window(wait_loaded=False, autoload=False)
    assert again.chat_tab.chat.system_prompt.preset_names() == ["Brief"]


def test_a_long_chat_leaves_out_old_turns_with_a_note(qtbot, make_window) -> None:
    filler = "Tell me about speculative decoding and draft models on a small computer. " * 3
    conversation = Conversation.new("long")
    for i in range(8):
        conversation.turns += [Turn("user", f"Question {i}: {filler}"),
                               Turn("assistant", f"Answer {i}: {filler}")]
    ConversationStore().save(conversation)
    window = make_window()
    window.chat_tab.controls.max_new.setValue(32)
    window.conversations.open_conversation(conversation.id)
    result = send_and_wait(qtbot, window, "What is the capital of France?")
    assert result.stats.dropped_turns > 0 and window.chat_tab.chat.error.isHidden()
    view = window.chat_tab.chat.view
    assert f"{result.stats.dropped_turns} earlier messages left out" in view.toPlainText()
    used = result.stats.input_tokens + result.stats.generated_tokens
    assert window.chat_tab.chat.context.text() == \
        f"context {used:,} of 512 tokens · {result.stats.dropped_turns} left out"
    # Reopened, the note is still there (it is saved with the answer's statistics).
    window.conversations.open_conversation(conversation.id)
    assert "earlier messages left out" in view.toPlainText()


def _steps(text: str) -> list[StepEvent]:
    return [StepEvent(i, text[j:j + 4], (1,), 0, time.monotonic(), ((len(text[j:j + 4]), False),))
            for i, j in enumerate(range(0, len(text), 4))]


def test_scrolling_up_stops_following_and_jump_brings_it_back(qtbot) -> None:
    view = ChatView()
    qtbot.addWidget(view)
    view.resize(600, 300)
    view.show()
    conversation = Conversation.new()
    for i in range(12):
        conversation.turns += [Turn("user", f"Question {i}"), Turn("assistant", f"Answer {i}.")]
    view.show_conversation(conversation)
    bar = view.verticalScrollBar()
    assert bar.maximum() > 0 and bar.value() == bar.maximum()
    view.begin_answer()
    view.append_steps(_steps("The answer streams in. " * 3))
    assert bar.value() == bar.maximum()  # at the end: it follows
    assert not view.follower.button.isVisible()
    bar.setValue(bar.maximum() // 3)  # the reader scrolls up
    kept = bar.value()
    view.append_steps(_steps("More text arrives.\n\nAnother paragraph. " * 3))
    assert bar.value() == kept and bar.maximum() > kept  # no jump to the end
    assert view.follower.button.isVisible()
    view.follower.button.click()
    assert bar.value() == bar.maximum() and not view.follower.button.isVisible()
    view.append_steps(_steps("And it follows again. " * 3))
    assert bar.value() == bar.maximum()
