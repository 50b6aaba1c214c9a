"""The race tab: its view and controller, plus the export dialog."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QFileDialog, QVBoxLayout, QWidget

from app import paths
from app.ui.race_controller import RaceController
from app.ui.race_view import RaceView


class RaceTab(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.view = RaceView()
        self.controller = RaceController(self.view, self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view)
        self.view.export_button.clicked.connect(self.ask_export)
        # The chat's pair and devices (pair id, device, draft device), set by the window.
        self.pair_hint: Callable[[], tuple[str, str, str | None]] | None = None

    def showEvent(self, event: QShowEvent) -> None:
        # Endpoints added in the chat's "Remote servers…" list since the tab was last shown.
        if not self.controller.running:
            self.controller.refresh_remotes()
            if self.pair_hint is not None:  # start on the pair the chat uses
                self.controller.follow_chat(*self.pair_hint())
        super().showEvent(event)

    def ask_export(self) -> None:
        start = str(paths.data_dir() / "races")
        folder = QFileDialog.getExistingDirectory(self, "Export the race to a folder", start)
        if folder:
            markdown, _picture = self.controller.export(Path(folder))
            self.view.result.setText(self.view.result.text() + f" · exported to {markdown}")

    def shutdown(self) -> None:
        self.controller.shutdown()
