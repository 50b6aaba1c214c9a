"""The centre column: system prompt, tint legend, transcript, errors, input and actions."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.ui import theme
from app.ui.chat_view import ChatView
from app.ui.prompt_input import PromptInput


def _swatch(colour: str, text: str) -> QLabel:
    label = QLabel(f'<span style="background:{colour}; border:1px solid {theme.BORDER};">'
                   f'&nbsp;&nbsp;&nbsp;&nbsp;</span>&nbsp;{text}')
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


class ChatPanel(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        self.system_prompt = QLineEdit()
        self.system_prompt.setPlaceholderText("System prompt (optional, for this chat)")
        layout.addWidget(self.system_prompt)
        legend = QHBoxLayout()
        legend.setSpacing(14)
        legend.addWidget(_swatch(theme.DRAFT_TINT, "accepted draft token"))
        legend.addWidget(_swatch(theme.TARGET_SWATCH, "target token"))
        hint = QLabel("hover text for its step")
        hint.setObjectName("Legend")
        legend.addWidget(hint)
        legend.addStretch(1)
        self.tint_switch = QCheckBox("Tint draft tokens")
        self.tint_switch.setChecked(True)
        legend.addWidget(self.tint_switch)
        layout.addLayout(legend)
        self.view = ChatView()
        layout.addWidget(self.view, 1)
        self.error = ErrorBanner()
        layout.addWidget(self.error)
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
        for button in (self.regenerate, self.copy, self.export):
            actions.addWidget(button)
        actions.addStretch(1)
        actions.addWidget(self.status)
        layout.addLayout(actions)

    def set_running(self, running: bool) -> None:
        self.send.setEnabled(not running)
        self.stop.setEnabled(running)
        self.regenerate.setEnabled(not running)
