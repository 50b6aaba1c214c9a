"""The chat tab's layout: conversations and controls | transcript | metrics and system."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QLabel, QScrollArea, QSplitter, QVBoxLayout, QWidget

from app.ui.chat.chat_panel import ChatPanel
from app.ui.chat.controls_view import ControlsView
from app.ui.chat.conversation_list import ConversationList
from app.ui.workers.background import Background, import_modules

if TYPE_CHECKING:
    from app.ui.chat.system_panel import SystemPanel
    from app.ui.shared.metrics_view import MetricsView

# The charts (pyqtgraph) are imported on a worker once the window is shown, then built.
CHART_MODULES = ("pyqtgraph", "app.ui.shared.metrics_view", "app.ui.chat.system_panel")
# The Qt modules pyqtgraph imports, imported first on the GUI thread: a Qt module's import
# makes its types, which must never happen on two threads at once (app/__init__.py).
# pyqtgraph takes QtSvg and QtTest only if they are there; the frozen bundle leaves QtTest out.
CHART_QT_MODULES = ("PySide6.QtOpenGL", "PySide6.QtOpenGLWidgets", "PySide6.QtSvg",
                    "PySide6.QtTest")


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
        self._metrics: MetricsView | None = None
        self._system: SystemPanel | None = None
        self._charts_loading = QLabel("Loading the charts…")
        self._charts_loading.setObjectName("Legend")
        self._side = _column(self._charts_loading)
        self._imports = Background(self)
        self._imports_started = False
        self._imports.succeeded.connect(lambda _names: self.build_side_panels())
        self._imports.failed.connect(lambda _error: self.build_side_panels())
        left = _column(self.conversations, self.controls, stretch_first=True)
        left.setMinimumWidth(310)
        right = _scrolling(self._side)
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

    @property
    def metrics(self) -> MetricsView:
        self.build_side_panels()
        assert self._metrics is not None
        return self._metrics

    @property
    def system(self) -> SystemPanel:
        self.build_side_panels()
        assert self._system is not None
        return self._system

    def build_side_panels(self) -> None:
        """The metrics and system panels, built on first need (their import is slow)."""
        if self._metrics is not None:
            return
        from app.ui.chat.system_panel import SystemPanel
        from app.ui.shared.metrics_view import MetricsView

        self._metrics, self._system = MetricsView(), SystemPanel()
        layout = self._side.layout()
        assert isinstance(layout, QVBoxLayout)
        self._charts_loading.hide()
        layout.insertWidget(0, self._metrics)
        layout.insertWidget(1, self._system)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._metrics is None and not self._imports_started:
            self._imports_started = True
            # After the first paint: the window is on screen before pyqtgraph loads.
            QTimer.singleShot(0, self, self._import_charts)

    def _import_charts(self) -> None:
        for name in CHART_QT_MODULES:
            try:
                importlib.import_module(name)
            except ImportError:
                pass  # not bundled: pyqtgraph's own import of it fails the same way
        self._imports.run(import_modules(CHART_MODULES), "tandem-chart-imports")
