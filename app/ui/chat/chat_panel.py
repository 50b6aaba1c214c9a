"""The centre column: system prompt, tint legend, transcript, errors, input and actions."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.core.conversations import ORIGIN_DRAFT, ORIGIN_LOOKUP, ORIGIN_TARGET
from app.ui.chat.chat_view import ChatView
from app.ui.chat.prompt_input import PromptInput
from app.ui.chat.system_prompt import SystemPromptEdit
from app.ui.theme import theme


def swatch_html(origin: int, text: str) -> str:
    """A legend entry drawn the way the transcript marks a draft, lookup or target token."""
    style = f"border:1px solid {theme.BORDER};"
    marked = origin != ORIGIN_TARGET
    tint, tint_text = (theme.LOOKUP_TINT, theme.LOOKUP_TINT_TEXT) if origin == ORIGIN_LOOKUP \
        else (theme.DRAFT_TINT, theme.DRAFT_TINT_TEXT)
    if marked and theme.DRAFT_STYLE in ("tint", "both"):
        style += f" background:{tint}; color:{tint_text};"
    elif not marked:
        style += f" background:{theme.TARGET_SWATCH};"
    if marked and theme.DRAFT_STYLE in ("underline", "both"):
        # Qt's rich text draws no dashed or dotted underline: the sample takes the line's
        # colour, so the two marks still differ in the legend.
        line = theme.LOOKUP_UNDERLINE if origin == ORIGIN_LOOKUP else theme.DRAFT_UNDERLINE
        style += " text-decoration: underline;"
        if theme.DRAFT_STYLE == "underline":
            style += f" color:{line};"
    sample = "abc" if marked and theme.DRAFT_STYLE != "tint" else "&nbsp;&nbsp;&nbsp;&nbsp;"
    return f'<span style="{style}">{sample}</span>&nbsp;{text}'


LEGEND = ((ORIGIN_DRAFT, "draft token"), (ORIGIN_LOOKUP, "looked up"),
          (ORIGIN_TARGET, "target token"))
LEGEND_TIP = ("Accepted draft tokens are green; tokens that prompt lookup copied from the "
              "context (Prompt lookup, Hybrid) are amber; the rest is the target's own. "
              "Hover the text for its step.")


def legend_html() -> str:
    """The whole legend in one wrapping label, so it never widens the window."""
    return "&nbsp;&nbsp;&nbsp; ".join(swatch_html(origin, text) for origin, text in LEGEND)


class ErrorBanner(QLabel):
    """A TandemError's message and hint, shown above the input until dismissed."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("ErrorBanner")
        self.setWordWrap(True)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.hide()

    def show_error(self, message: str, hint: str = "") -> None:
        text = f"<b>{message}</b>" + (f"<br>{hint}" if hint else "")
        self.setText(text)
        self.show()

    def mousePressEvent(self, event: object) -> None:
        self.hide()


class EditBanner(QWidget):
    """Shown while the input holds an edited earlier message: what Send will do."""

    def __init__(self) -> None:
        super().__init__()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.label = QLabel("")
        self.label.setObjectName("EditBanner")
        self.label.setWordWrap(True)
        self.cancel = QPushButton("Cancel edit")
        layout.addWidget(self.label, 1)
        layout.addWidget(self.cancel)
        self.hide()

    def show_edit(self, turn_number: int, later: int) -> None:
        after = (f"; the {later} later message{'s' if later != 1 else ''} will be replaced"
                 if later else "")
        self.label.setText(f"<b>Editing message {turn_number}</b>: Send resends it{after}.")
        self.show()


class ChatPanel(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        self.system_prompt = SystemPromptEdit()
        layout.addWidget(self.system_prompt)
        legend = QHBoxLayout()
        legend.setSpacing(14)
        self.legend = QLabel(legend_html())
        self.legend.setObjectName("Legend")
        self.legend.setWordWrap(True)
        self.legend.setToolTip(LEGEND_TIP)
        legend.addWidget(self.legend, 1)
        theme.notifier().changed.connect(self.restyle_legend)
        self.tint_switch = QCheckBox("Mark draft tokens")
        self.tint_switch.setChecked(True)
        legend.addWidget(self.tint_switch)
        layout.addLayout(legend)
        self.view = ChatView()
        layout.addWidget(self.view, 1)
        self.error = ErrorBanner()
        layout.addWidget(self.error)
        self.edit_banner = EditBanner()
        layout.addWidget(self.edit_banner)
        self.input = PromptInput()
        row = QHBoxLayout()
        row.setSpacing(8)
        row.addWidget(self.input, 1)
        buttons = QVBoxLayout()
        buttons.setSpacing(6)
        self.send = QPushButton("Send")
        self.send.setObjectName("Primary")
        self.send.setToolTip("Send (Enter)")
        self.stop = QPushButton("Stop")
        self.stop.setToolTip("Stop the answer (Esc); the text so far is kept")
        self.stop.setEnabled(False)
        buttons.addWidget(self.send)
        buttons.addWidget(self.stop)
        row.addLayout(buttons)
        layout.addLayout(row)
        actions = QHBoxLayout()
        actions.setSpacing(6)
        self.regenerate = QPushButton("↻  Regenerate")
        self.regenerate.setToolTip("Answer the last message again (Ctrl+R)")
        self.copy = QPushButton("Copy answer")
        self.copy.setToolTip("Copy the last answer (Ctrl+Shift+C)")
        self.export = QPushButton("Export…")
        self.export.setToolTip("Save this chat as Markdown or JSON (Ctrl+E)")
        self.status = QLabel("")
        self.status.setObjectName("Status")
        self.context = QLabel("")
        self.context.setObjectName("Status")
        self.context.setToolTip("Tokens of this chat in the model's context (counted by the "
                                "pair's tokenizer after the last answer)")
        self.settings_button = QPushButton("Settings…")
        self.settings_button.setToolTip("Theme, data folder, Hugging Face token, defaults, "
                                        "model cache (Ctrl+,)")
        for button in (self.regenerate, self.copy, self.export, self.settings_button):
            actions.addWidget(button)
        actions.addStretch(1)
        actions.addWidget(self.status)
        actions.addWidget(self.context)
        layout.addLayout(actions)

    def restyle_legend(self) -> None:
        self.legend.setText(legend_html())

    def set_running(self, running: bool) -> None:
        self.send.setEnabled(not running)
        self.stop.setEnabled(running)
        self.regenerate.setEnabled(not running)
