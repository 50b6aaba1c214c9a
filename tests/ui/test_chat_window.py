"""The chat window against the real demo pair: streaming, equality with the CLI, tints."""

from __future__ import annotations

import json
import time

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QGuiApplication

from app.cli import main as cli_main
from app.core.conversations import ConversationStore
from app.core.engine import GenerationRequest
from tests.ui.conftest import send_and_wait

PROSE = "Tell me about speculative decoding."
CODE = "Write a Python function to add two numbers."


def test_send_streams_an_answer_and_saves_the_turn(qtbot, make_window) -> None:
    window = make_window()
    window.chat_tab.controls.max_new.setValue(64)
    result = send_and_wait(qtbot, window, PROSE)
    view = window.chat_tab.chat.view
    assert result.text and result.stats.generated_tokens > 0
    assert view.live_text == result.text  # what streamed into the view
    assert result.text in view.toPlainText()
    assert result.stats.summary() in view.toPlainText()
    assert window.chat_tab.metrics.summary.text() == result.stats.summary()
    saved = ConversationStore().find()
    assert len(saved) == 1 and [t.role for t in saved[0].turns] == ["user", "assistant"]
    answer = saved[0].turns[1]
    assert answer.content == result.text
    assert answer.stats["generated_tokens"] == result.stats.generated_tokens
    assert answer.settings["k"] == 3 and answer.settings["max_new_tokens"] == 64
    assert sum(run[0] for run in answer.tint) == len(result.text)


def test_greedy_text_equals_tandem_generate(qtbot, make_window, capsys) -> None:
    window = make_window()
    window.chat_tab.controls.max_new.setValue(96)
    window.chat_tab.controls.k.setValue(4)
    result = send_and_wait(qtbot, window, CODE)
    capsys.readouterr()
    assert cli_main(["generate", "--json", "--k", "4", "--max-new-tokens", "96", CODE]) == 0
    headless = json.loads(capsys.readouterr().out)
    assert window.chat_tab.chat.view.live_text == headless["text"]
    assert window.conversations.last_answer() == headless["text"]
    assert result.stats.generated_tokens == headless["generated_tokens"]
    assert result.stats.accepted_tokens == headless["accepted_tokens"]
    # Code blocks render with a copy link that copies exactly the code.
    view = window.chat_tab.chat.view
    if "```" in headless["text"]:
        assert view.code_blocks and view.code_blocks[0] in headless["text"]
        assert "Copy code" in view.toPlainText()
        view.anchorClicked.emit(QUrl("copy:0"))
        assert QGuiApplication.clipboard().text() == view.code_blocks[0]


def test_tinted_tokens_equal_the_engines_accepted_count(qtbot, make_window,
                                                        draft_session) -> None:
    window = make_window()
    window.chat_tab.controls.max_new.setValue(80)
    result = send_and_wait(qtbot, window, PROSE)
    engine = draft_session.generate(GenerationRequest.chat(PROSE, max_new_tokens=80,
                                                           num_assistant_tokens=3))
    view = window.chat_tab.chat.view
    assert engine.stats.accepted_tokens and engine.stats.accepted_tokens > 0
    assert view.tinted_token_count(1) == engine.stats.accepted_tokens
    assert view.tinted_token_count(1) == result.stats.accepted_tokens
    # Hovering a tinted character names its step and what it accepted.
    steps = view.tinted_steps(1)
    position = next(p for p in range(view.document().characterCount())
                    if (o := view.origin_at(p)) and o[3])
    origin = view.origin_at(position)
    assert origin is not None and steps[origin[1]] == origin[2]
    rect = view.cursorRect(_cursor_at(view, position))
    assert f"Target step {origin[1]}: accepted {origin[2]} draft token" in view.tooltip_at(
        rect.center())
    # The switch turns tinting off (and back on).
    window.chat_tab.chat.tint_switch.setChecked(False)
    assert view.tinted_token_count(1) == 0
    window.chat_tab.chat.tint_switch.setChecked(True)
    assert view.tinted_token_count(1) == engine.stats.accepted_tokens


def _cursor_at(view, position: int):  # type: ignore[no-untyped-def]
    cursor = view.textCursor()
    cursor.setPosition(position)
    return cursor


def test_stop_mid_run_keeps_the_partial_text(qtbot, make_window, draft_session) -> None:
    window = make_window()
    window.chat_tab.controls.max_new.setValue(128)
    worker = window.generation.host.worker
    # Stop from the worker thread right after the first step, deterministically.
    worker.step.connect(lambda _rid, _event: worker.stop_current(),
                        Qt.ConnectionType.DirectConnection)
    result = send_and_wait(qtbot, window, PROSE)
    full = draft_session.generate(GenerationRequest.chat(PROSE, max_new_tokens=128,
                                                         num_assistant_tokens=3))
    assert result.stats.finish_reason == "stopped"
    assert 0 < result.stats.generated_tokens < full.stats.generated_tokens
    assert full.text.startswith(result.text)
    assert window.conversations.last_answer() == result.text
    assert window.chat_tab.chat.status.text().startswith("Stopped")
    saved = ConversationStore().find()[0]
    assert saved.turns[-1].content == result.text
    assert saved.turns[-1].stats["finish_reason"] == "stopped"


def test_escape_in_the_input_stops_the_run(qtbot, make_window) -> None:
    window = make_window()
    chat = window.chat_tab.chat
    # Slow each step on the worker thread so that the run is still going when Esc lands.
    window.generation.host.worker.step.connect(lambda _rid, _event: time.sleep(0.05),
                                               Qt.ConnectionType.DirectConnection)
    with qtbot.waitSignal(window.chat.answer_finished, timeout=60_000) as done:
        window.chat.send(PROSE)
        assert chat.stop.isEnabled() and not chat.send.isEnabled()
        qtbot.waitSignal(window.generation.steps, timeout=30_000).wait()
        qtbot.keyClick(chat.input, Qt.Key.Key_Escape)
    result = done.args[0]
    assert result.stats.finish_reason == "stopped" and result.text
    assert window.conversations.last_answer() == result.text
    assert not chat.stop.isEnabled() and chat.send.isEnabled()


def test_changing_the_pair_during_a_run_is_refused(qtbot, make_window, demo_dir) -> None:
    from app.core.engine import PairSpec

    window = make_window()
    host = window.generation.host
    window.chat.send(PROSE)
    assert not window.chat_tab.controls.pair.isEnabled()
    assert not window.chat_tab.controls.mode.isEnabled()
    with qtbot.waitSignal(window.generation.refused, timeout=1000) as refused:
        assert not window.generation.ensure_pair(PairSpec(demo_dir / "target"))
    assert "Stop it" in refused.args[0]
    assert window.generation.host is host
    with qtbot.waitSignal(window.chat.answer_finished, timeout=60_000):
        pass
    assert window.chat_tab.controls.pair.isEnabled()
    # After the run, switching to plain decoding reloads the pair.
    index = window.chat_tab.controls.mode.findData("plain")
    window.chat_tab.controls.mode.setCurrentIndex(index)
    qtbot.waitUntil(lambda: window.generation.host is not host
                    and window.generation.state.value == "ready", timeout=60_000)
    result = send_and_wait(qtbot, window, PROSE)
    assert result.stats.mode == "plain" and window.chat_tab.chat.view.tinted_token_count(3) == 0
