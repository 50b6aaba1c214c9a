"""The chat tab's layout: conversations and controls | transcript | metrics and system."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QScrollArea, QSplitter, QVBoxLayout, QWidget

from app.ui.chat_panel import ChatPanel
from app.ui.controls_view import ControlsView
from app.ui.conversation_list import ConversationList
from app.ui.metrics_view import MetricsView
from app.ui.system_panel import SystemPanel


def _column(*widgets: QWidget, stretch_first: bool = False) -> QWidget:
    column = QWidget()
    layout = QVBoxLayout(column)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(10)
    for i, widget in enumerate(widgets):
        layout.addWidget(widget, 1 if stretch_first and i == 0 else 0)
    if not stretch_first:
        layout.addStretch(1)
    return column


def _scrolling(widget: QWidget) -> QScrollArea:
    area = QScrollArea()
    area.setWidget(widget)
    area.setWidgetResizable(True)
    area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    return area


class ChatTab(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ChatTab")
        self.conversations = ConversationList()
        self.controls = ControlsView()
        self.chat = ChatPanel()
        self.metrics = MetricsView()
        self.system = SystemPanel()
        left = _column(self.conversations, self.controls, stretch_first=True)
        left.setMinimumWidth(310)
        right = _scrolling(_column(self.metrics, self.system))
        right.setMinimumWidth(300)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setHandleWidth(12)
        for widget in (left, self.chat, right):
            self.splitter.addWidget(widget)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([330, 750, 340])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 12)
        layout.addWidget(self.splitter)
