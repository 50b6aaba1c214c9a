"""Conversations and settings survive a restart; corrupt files are set aside with a message;
the list's new / rename / delete / search; export as Markdown and JSON."""

from __future__ import annotations

import json
from pathlib import Path

from app import paths
from app.core.conversations import ConversationStore
from app.core.settings import load_settings
from tests.ui.conftest import send_and_wait

PROMPT = "Tell me about speculative decoding."


def test_first_launch_selects_the_demo_pair_and_suggests_a_prompt(qtbot, make_window) -> None:
    window = make_window(wait_loaded=False)
    chat = window.chat_tab.chat
    assert window.first_launch
    assert window.chat_tab.controls.pair_id() == "demo"
    assert chat.input.toPlainText() == PROMPT
    assert "Try a prompt" in chat.view.toPlainText()
    # The pair starts loading by itself once the window is on screen.
    qtbot.waitUntil(lambda: window.generation.state.value in ("loading", "ready"))


def test_conversation_and_settings_survive_a_restart(qtbot, make_window) -> None:
    first = make_window()
    first.chat_tab.controls.max_new.setValue(48)
    first.chat_tab.controls.k.setValue(2)
    first.chat_tab.chat.tint_switch.setChecked(False)
    first.chat_tab.chat.system_prompt.setText("Answer briefly.")
    first.chat_tab.chat.system_prompt.editingFinished.emit()
    result = send_and_wait(qtbot, first, PROMPT)
    conversation_id = first.chat.conversation.id
    first.close()
    assert load_settings().settings.generation.k == 2

    second = make_window()
    assert not second.first_launch
    assert second.chat.conversation.id == conversation_id
    assert second.chat_tab.chat.system_prompt.text() == "Answer briefly."
    assert second.conversations.last_answer() == result.text
    assert result.text in second.chat_tab.chat.view.toPlainText()
    assert second.chat_tab.controls.k.value() == 2
    assert second.chat_tab.controls.max_new.value() == 48
    assert not second.chat_tab.chat.tint_switch.isChecked()
    qtbot.waitUntil(lambda: second.chat_tab.conversations.list.count() == 1)
    # The next turn continues the same conversation, with its history.
    send_and_wait(qtbot, second, "And why is it faster?")
    saved = ConversationStore().load(conversation_id)
    assert saved is not None and len(saved.turns) == 4
    assert saved.system_prompt == "Answer briefly."


def test_corrupt_conversation_file_is_set_aside_with_a_message(qtbot, make_window) -> None:
    folder = paths.conversations_dir()
    folder.mkdir(parents=True)
    (folder / "broken.json").write_text('{"id": "broken", "turns": [{', encoding="utf-8")
    window = make_window(wait_loaded=False)
    banner = window.chat_tab.chat.error
    qtbot.waitUntil(lambda: "broken.json could not be read" in banner.text())
    assert banner.isVisible()
    assert not (folder / "broken.json").exists()
    assert len(list(folder.glob("broken.json.corrupt-*"))) == 1


def test_corrupt_settings_file_is_set_aside_with_a_message(make_window) -> None:
    paths.settings_file().write_text("{oops", encoding="utf-8")
    window = make_window(wait_loaded=False)
    assert "settings file could not be read" in window.chat_tab.chat.error.text()
    assert list(paths.data_dir().glob("settings.json.corrupt-*"))


def test_new_rename_delete_search_and_export(qtbot, make_window, tmp_path: Path) -> None:
    window = make_window()
    window.chat_tab.controls.max_new.setValue(32)
    convs = window.chat_tab.conversations
    send_and_wait(qtbot, window, PROMPT)
    first_id = window.chat.conversation.id
    window.conversations.new_conversation()
    send_and_wait(qtbot, window, "Write a Python function to add two numbers.")
    qtbot.waitUntil(lambda: convs.list.count() == 2)
    window.conversations.rename(first_id, "Speculation notes")
    convs.search.setText("speculation")
    qtbot.waitUntil(lambda: convs.list.count() == 1)
    assert convs.list.item(0).text() == "Speculation notes"
    convs.search.setText("")
    qtbot.waitUntil(lambda: convs.list.count() == 2)
    window.conversations.open_conversation(first_id)
    assert window.chat.conversation.title == "Speculation notes"
    md, js = tmp_path / "chat.md", tmp_path / "chat.json"
    window.conversations.export_to(md)
    window.conversations.export_to(js)
    assert md.read_text(encoding="utf-8").startswith("# Speculation notes")
    data = json.loads(js.read_text(encoding="utf-8"))
    assert data["turns"][1]["stats"]["summary"] in md.read_text(encoding="utf-8")
    window.conversations.delete(first_id)
    qtbot.waitUntil(lambda: convs.list.count() == 1)
    assert window.chat.conversation.id != first_id
    assert ConversationStore().load(first_id) is None


def test_regenerate_replaces_the_last_answer(qtbot, make_window) -> None:
    window = make_window()
    window.chat_tab.controls.max_new.setValue(32)
    first = send_and_wait(qtbot, window, PROMPT)
    with qtbot.waitSignal(window.chat.answer_finished, timeout=60_000) as blocker:
        window.chat.regenerate()
    assert blocker.args[0].text == first.text  # greedy: the same answer again
    turns = ConversationStore().load(window.chat.conversation.id).turns
    assert [t.role for t in turns] == ["user", "assistant"]


def test_a_saved_gpu_choice_waits_for_the_device_list_and_is_kept(qtbot, make_window) -> None:
    from app.core.settings import save_settings

    settings = load_settings().settings
    settings.target_device = "GPU.7"  # not on this machine: the device list says so
    save_settings(settings)
    window = make_window(wait_loaded=False)
    controls = window.controls
    assert window.chat_tab.controls.devices()[0] == "CPU"  # only the CPU until listed
    window.save_settings()  # closed before listing: the saved choice is not lost
    assert load_settings().settings.target_device == "GPU.7"
    qtbot.waitUntil(lambda: controls.devices_listed, timeout=30_000)
    assert "looking for" not in window.chat_tab.controls.target_device.currentText()
    assert window.chat_tab.controls.devices()[0] == "CPU"  # GPU.7 is absent: CPU
    qtbot.waitUntil(lambda: window.generation.state.value in ("loading", "ready"))
