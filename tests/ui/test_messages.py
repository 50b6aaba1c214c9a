"""Errors reach the user as a message and a hint; pair labels say what a pair is."""

from __future__ import annotations

from pathlib import Path

from app.core.store.pairs import ReadyPair
from app.ui.chat.controls_view import pair_label


def test_a_prompt_longer_than_the_context_shows_message_and_hint(qtbot, make_window) -> None:
    window = make_window()
    failures: list[dict] = []
    window.generation.run_failed.connect(lambda _rid, error: failures.append(error))
    window.chat.send("tell me more " * 2000)
    qtbot.waitUntil(lambda: bool(failures), timeout=60_000)
    banner = window.chat_tab.chat.error
    assert failures[0]["kind"] == "prompt_too_long"
    assert banner.isVisible()
    assert failures[0]["message"] in banner.text() and failures[0]["hint"] in banner.text()
    assert window.chat_tab.chat.send.isEnabled()  # ready for the next message
    # The user's turn is kept, so that it can be shortened or regenerated.
    assert window.chat.conversation.turns[-1].role == "user"


def test_universal_pairs_are_labelled(tmp_path: Path) -> None:
    plain = ReadyPair("a", "Qwen pair", tmp_path, tmp_path)
    universal = ReadyPair("b", "Mixed pair", tmp_path, tmp_path, universal=True)
    assert pair_label(plain) == "Qwen pair"
    assert pair_label(universal) == "Mixed pair · universal draft"


def test_a_pair_that_fails_to_load_says_why(qtbot, make_window, tmp_path: Path) -> None:
    from app.core.engine import PairSpec

    window = make_window()
    broken = PairSpec(tmp_path / "missing-target", name="Broken pair")
    window.controls.wanted_spec = lambda: broken  # as if a broken pair were selected
    failures: list[dict] = []
    window.generation.run_failed.connect(lambda _rid, error: failures.append(error))
    window.chat.send("Hello!")
    qtbot.waitUntil(lambda: bool(failures), timeout=60_000)
    load_error = window.generation.last_error
    assert window.generation.state.value == "failed" and load_error is not None
    banner = window.chat_tab.chat.error.text()
    assert load_error["message"] in banner and load_error["hint"] in banner
    assert "failed" in window.chat_tab.controls.status.text().lower()
