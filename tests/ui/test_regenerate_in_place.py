"""Regenerating drops the last answer from the view in place (no re-render of the whole
chat, which stalled the window in long chats: a 389 ms call in the stress run), and the
view then reads exactly as a fresh render of the same conversation."""

from __future__ import annotations

from tests.ui.conftest import send_and_wait

PROMPTS = ["Write a Python function to add two numbers.", "Hello!", "def fib(n):"]


def test_regenerate_keeps_the_view_equal_to_a_fresh_render(qtbot, make_window,
                                                            monkeypatch) -> None:
    window = make_window()
    view = window.chat_tab.chat.view
    for prompt in PROMPTS:
        send_and_wait(qtbot, window, prompt)
    rerenders: list[int] = []
    real = view.rerender
    monkeypatch.setattr(view, "rerender", lambda: (rerenders.append(1), real())[1])
    with qtbot.waitSignal(window.chat.answer_finished, timeout=60_000):
        window.chat.regenerate()
    assert rerenders == []  # the last answer was dropped in place
    shown, blocks = view.toPlainText(), list(view.code_blocks)
    real()  # a fresh render of the same conversation
    assert view.toPlainText() == shown
    assert view.code_blocks == blocks and blocks  # the code answers' copy buttons line up
    assert [t.role for t in window.chat.conversation.turns] == ["user", "assistant"] * 3
