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

from app.ui.chat.chat_view import ChatView
from app.ui.chat.prompt_input import PromptInput
from app.ui.chat.system_prompt import SystemPromptEdit
from app.ui.theme import theme


def swatch_html(draft: bool, text: str) -> str:
    """A legend entry drawn the way the transcript marks draft (or target) text."""
    style = f"border:1px solid {theme.BORDER};"
    if draft and theme.DRAFT_STYLE in ("tint", "both"):
        style += f" background:{theme.DRAFT_TINT}; color:{theme.DRAFT_TINT_TEXT};"
    elif not draft:
        style += f" background:{theme.TARGET_SWATCH};"
    if draft and theme.DRAFT_STYLE in ("underline", "both"):
        style += " text-decoration: underline;"
    sample = "abc" if draft and theme.DRAFT_STYLE != "tint" else "&nbsp;&nbsp;&nbsp;&nbsp;"
    return f'<span style="{style}">{sample}</span>&nbsp;{text}'


def _legend(draft: bool, text: str) -> QLabel:
    label = QLabel(swatch_html(draft, text))
    label.setObjectName("Legend")
    return label


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
        self.draft_legend = _legend(True, "accepted draft token")
        self.target_legend = _legend(False, "target token")
        legend.addWidget(self.draft_legend)
        legend.addWidget(self.target_legend)
        theme.notifier().changed.connect(self.restyle_legend)
        hint = QLabel("hover text for its step")
        hint.setObjectName("Legend")
        legend.addWidget(hint)
        legend.addStretch(1)
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
        self.draft_legend.setText(swatch_html(True, "accepted draft token"))
        self.target_legend.setText(swatch_html(False, "target token"))

    def set_running(self, running: bool) -> None:
        self.send.setEnabled(not running)
        self.stop.setEnabled(running)
        self.regenerate.setEnabled(not running)
