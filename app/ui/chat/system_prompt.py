"""The system prompt: a few lines of text, with saved presets (kept in the settings).

`editingFinished` fires when the box loses focus or a preset is chosen, so the chat saves
the prompt once, not on every key.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QFocusEvent
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QInputDialog,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

LINES = 3
NO_PRESET = "Presets…"


class _PromptBox(QPlainTextEdit):
    focus_lost = Signal()

    def focusOutEvent(self, event: QFocusEvent) -> None:
        super().focusOutEvent(event)
        self.focus_lost.emit()


class SystemPromptEdit(QWidget):
    editingFinished = Signal()
    presets_changed = Signal(dict)  # name -> text, to save in the settings

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.box = _PromptBox()
        self.box.setObjectName("SystemPrompt")
        self.box.setPlaceholderText("System prompt (optional, for this chat; several lines "
                                    "are fine)")
        self.box.setTabChangesFocus(True)
        line = self.box.fontMetrics().lineSpacing()
        self.box.setFixedHeight(line * LINES + 18)
        self.box.focus_lost.connect(self.editingFinished)
        self.presets = QComboBox()
        self.presets.setToolTip("Use a saved system prompt")
        self.save_button = QPushButton("Save as preset…")
        self.save_button.setToolTip("Keep this system prompt under a name")
        self.delete_button = QPushButton("Delete preset")
        side = QVBoxLayout()
        side.setSpacing(4)
        side.addWidget(self.presets)
        side.addWidget(self.save_button)
        side.addWidget(self.delete_button)
        side.addStretch(1)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        layout.addWidget(self.box, 1)
        layout.addLayout(side)
        self._presets: dict[str, str] = {}
        self.presets.activated.connect(self._on_preset)
        self.save_button.clicked.connect(self.ask_save_preset)
        self.delete_button.clicked.connect(self.delete_current_preset)
        self.set_presets({})

    def text(self) -> str:
        return self.box.toPlainText()

    def setText(self, text: str) -> None:
        if text != self.box.toPlainText():
            self.box.setPlainText(text)
        self._select_matching()

    # -- presets -----------------------------------------------------------------------

    def set_presets(self, presets: dict[str, str]) -> None:
        self._presets = dict(sorted(presets.items()))
        self.presets.blockSignals(True)
        self.presets.clear()
        self.presets.addItem(NO_PRESET, "")
        for name in self._presets:
            self.presets.addItem(name, name)
        self.presets.blockSignals(False)
        self._select_matching()

    def preset_names(self) -> list[str]:
        return list(self._presets)

    def apply_preset(self, name: str) -> None:
        if name in self._presets:
            self.box.setPlainText(self._presets[name])
            self._select_matching()
            self.editingFinished.emit()

    def save_preset(self, name: str) -> None:
        name = name.strip()
        if name:
            self.set_presets({**self._presets, name: self.text().strip()})
            self.presets_changed.emit(dict(self._presets))

    def ask_save_preset(self) -> None:
        name, ok = QInputDialog.getText(self, "Save preset", "Name of this system prompt:")
        if ok:
            self.save_preset(name)

    def delete_current_preset(self) -> None:
        name = str(self.presets.currentData() or "")
        if name in self._presets:
            self.set_presets({k: v for k, v in self._presets.items() if k != name})
            self.presets_changed.emit(dict(self._presets))

    def _on_preset(self, index: int) -> None:
        self.apply_preset(str(self.presets.itemData(index) or ""))

    def _select_matching(self) -> None:
        text = self.text().strip()
        name = next((n for n, t in self._presets.items() if t == text and text), "")
        self.presets.blockSignals(True)
        self.presets.setCurrentIndex(max(0, self.presets.findData(name)))
        self.presets.blockSignals(False)
        self.delete_button.setEnabled(bool(name))
