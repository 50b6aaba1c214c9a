"""Follow the end of the transcript only while the reader is there: once they scroll up,
new text no longer pulls the view down, and a "Jump to latest" button brings them back."""

from __future__ import annotations

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QAbstractScrollArea, QToolButton

NEAR_END_PX = 4  # this close to the end still counts as "at the end"


class ScrollFollower(QObject):
    def __init__(self, area: QAbstractScrollArea) -> None:
        super().__init__(area)
        self.area = area
        self.following = True
        self._moving = False  # our own setValue, not the reader's
        self.button = QToolButton(area)
        self.button.setObjectName("JumpToLatest")
        self.button.setText("↓  Jump to latest")
        self.button.setToolTip("Scroll to the end and follow the answer again")
        self.button.hide()
        self.button.clicked.connect(self.jump)
        bar = area.verticalScrollBar()
        bar.valueChanged.connect(self._on_value)
        bar.rangeChanged.connect(lambda _lo, _hi: self._update_button())

    def _on_value(self, value: int) -> None:
        if not self._moving:
            self.following = value >= self.area.verticalScrollBar().maximum() - NEAR_END_PX
        self._update_button()

    def content_added(self) -> None:
        """Call after text was added: keep the end in view if the reader is there."""
        if self.following:
            self._to_end()
        self._update_button()

    def jump(self) -> None:
        self.following = True
        self._to_end()
        self._update_button()

    def _to_end(self) -> None:
        bar = self.area.verticalScrollBar()
        self._moving = True
        bar.setValue(bar.maximum())
        self._moving = False

    def _update_button(self) -> None:
        bar = self.area.verticalScrollBar()
        shown = not self.following and bar.value() < bar.maximum() - NEAR_END_PX
        if shown:
            self.place()
        self.button.setVisible(shown)

    def place(self) -> None:
        self.button.adjustSize()
        viewport = self.area.viewport().geometry()
        self.button.move(viewport.right() - self.button.width() - 16,
                         viewport.bottom() - self.button.height() - 12)
        self.button.raise_()
