"""Light and dark themes: following the OS, the manual override, dialogs that stay
readable, and one draft mark (tint, underline or both) in the chat and the race."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette, QTextCharFormat
from PySide6.QtWidgets import QApplication, QMessageBox

from app.core.settings import load_settings
from app.ui.race.race_view import RacePane
from app.ui.theme import theme
from app.ui.theme.theme_colors import DARK, LIGHT
from tests.fixtures.memory_keyring import MemoryKeyring, in_memory_keyring
from tests.ui.conftest import send_and_wait


@pytest.fixture
def memory_keyring(monkeypatch) -> Iterator[MemoryKeyring]:
    """The keyring library's real API on an in-memory store (never the OS keyring)."""
    for name in ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    with in_memory_keyring() as memory:
        yield memory


@pytest.fixture
def app(memory_keyring) -> Iterator[QApplication]:
    instance = QApplication.instance()
    assert isinstance(instance, QApplication)
    yield instance
    # Leave the next test the default look.
    theme.set_draft_style("tint")
    theme.apply(instance, "system")
    instance.styleHints().colorSchemeChanged.emit(Qt.ColorScheme.Light)


def _luminance(colour: QColor) -> float:
    return 0.2126 * colour.redF() + 0.7152 * colour.greenF() + 0.0722 * colour.blueF()


def _readable(widget_palette: QPalette) -> bool:
    text = widget_palette.color(QPalette.ColorRole.WindowText)
    window = widget_palette.color(QPalette.ColorRole.Window)
    return abs(_luminance(text) - _luminance(window)) > 0.5


def test_the_window_follows_the_os_scheme_unless_overridden(qtbot, make_window, app) -> None:
    window = make_window(wait_loaded=False, autoload=False)
    assert window.settings.theme == "system"
    hints = app.styleHints()
    hints.colorSchemeChanged.emit(Qt.ColorScheme.Dark)  # the OS switched to dark
    assert theme.is_dark()
    assert app.palette().color(QPalette.ColorRole.Window) == QColor(DARK.WINDOW_BG)
    assert DARK.PANEL_BG in app.styleSheet() and LIGHT.WINDOW_BG not in app.styleSheet()
    # The transcript re-rendered in the new colours (welcome text in the dark text colour).
    assert DARK.TEXT in window.chat_tab.chat.view.toHtml()
    hints.colorSchemeChanged.emit(Qt.ColorScheme.Light)
    assert not theme.is_dark()
    # A manual choice wins over the OS and is saved.
    window.settings.theme = "dark"
    window.apply_look()
    hints.colorSchemeChanged.emit(Qt.ColorScheme.Light)
    assert theme.is_dark()
    window.save_settings()
    assert load_settings().settings.theme == "dark"


@pytest.mark.parametrize("choice", ["light", "dark"])
def test_dialogs_are_never_dark_on_dark(qtbot, make_window, app, choice: str) -> None:
    window = make_window(wait_loaded=False, autoload=False)
    window.settings.theme = choice
    window.apply_look()
    dialog = window.open_settings()
    qtbot.waitUntil(dialog.isVisible)
    box = QMessageBox(QMessageBox.Icon.Question, "Title", "A question?",
                      QMessageBox.StandardButton.Ok, window)
    qtbot.addWidget(box)
    for widget in (dialog, box, window):
        assert _readable(widget.palette()), widget
    # What is drawn: the dialog's background is the theme's window colour.
    picture = dialog.grab().toImage()
    corner = picture.pixelColor(3, picture.height() - 3)
    expected = QColor(DARK.WINDOW_BG if choice == "dark" else LIGHT.WINDOW_BG)
    assert abs(corner.lightness() - expected.lightness()) < 12
    dialog.reject()


def test_underline_style_marks_draft_tokens_in_chat_and_race(qtbot, make_window, app) -> None:
    window = make_window()
    window.chat_tab.controls.max_new.setValue(48)
    dialog = window.open_settings()
    dialog.draft_style.setCurrentIndex(dialog.draft_style.findData("underline"))
    dialog.accept()
    assert window.settings.draft_style == "underline"
    result = send_and_wait(qtbot, window, "Tell me about speculative decoding.")
    view = window.chat_tab.chat.view
    assert result.stats.accepted_tokens
    assert view.tinted_token_count(1) == result.stats.accepted_tokens
    position = next(p for p in range(view.document().characterCount())
                    if (o := view.origin_at(p)) and o[3])
    fmt = _format_at(view, position)
    assert fmt.underlineStyle() == QTextCharFormat.UnderlineStyle.DashUnderline
    assert fmt.background().color() != QColor(theme.DRAFT_TINT)  # not colour-only
    # The race panes mark draft text the same way, with the same constant.
    pane = RacePane("speculative")
    qtbot.addWidget(pane)
    pane.append("abcd", ((2, True), (2, False)))
    race_fmt = _format_at(pane.text, 0)
    assert race_fmt.underlineStyle() == QTextCharFormat.UnderlineStyle.DashUnderline
    theme.set_draft_style("tint")
    pane.reset("")
    pane.append("abcd", ((2, True), (2, False)))
    assert _format_at(pane.text, 0).background().color() == QColor(theme.DRAFT_TINT)
    assert _format_at(pane.text, 3).background().color() != QColor(theme.DRAFT_TINT)


def _format_at(edit, position: int) -> QTextCharFormat:  # type: ignore[no-untyped-def]
    cursor = edit.textCursor()
    cursor.setPosition(position + 1)
    return cursor.charFormat()


def test_the_style_is_set_once_even_with_a_style_sheet(qapp, memory_keyring) -> None:
    # With a style sheet, app.style() is Qt's style-sheet proxy (name ""): checking the
    # name set Fusion again at every window, repolishing every widget, and deadlocked the
    # suite once against a worker thread inside a signal (PySide keeps the GIL there).
    from shiboken6 import getCppPointer

    theme.apply(qapp)
    assert qapp.styleSheet()  # the proxy is in place
    before = getCppPointer(qapp.style())[0]
    theme.apply(qapp, "dark")
    theme.apply(qapp, "system")
    assert getCppPointer(qapp.style())[0] == before
