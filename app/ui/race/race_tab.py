"""The race tab: its view and controller, plus the export dialog."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QFileDialog, QVBoxLayout, QWidget

from app import paths

if TYPE_CHECKING:
    from app.ui.race.race_controller import RaceController
    from app.ui.race.race_view import RaceView


class RaceTab(QWidget):
    """Built on first use (shown, or `view`/`controller` read): its charts import slowly."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._view: RaceView | None = None
        self._controller: RaceController | None = None
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        # The chat's pair and devices (pair id, device, draft device), set by the window.
        self.pair_hint: Callable[[], tuple[str, str, str | None]] | None = None
        # OpenVINO's model cache folder for the race's pipelines, set by the window.
        self.cache_dir: Callable[[], Path | None] = lambda: None
        # The chat's Exact setting, set by the window.
        self.exact: Callable[[], bool] = lambda: False

    @property
    def view(self) -> RaceView:
        return self._build()[0]

    @property
    def controller(self) -> RaceController:
        return self._build()[1]

    def _build(self) -> tuple[RaceView, RaceController]:
        if self._view is None or self._controller is None:
            from app.ui.race.race_controller import RaceController
            from app.ui.race.race_view import RaceView

            self._view = RaceView()
            self._controller = RaceController(self._view, self)
            self._controller.cache_dir = self.cache_dir
            self._controller.exact = self.exact
            self._layout.addWidget(self._view)
            self._view.export_button.clicked.connect(self.ask_export)
        return self._view, self._controller

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

    def refresh_pairs(self) -> None:
        """The store changed: list its pairs again (only once the tab has been built)."""
        if self._controller is not None:
            self._controller.refresh_pairs()

    def shutdown(self) -> None:
        if self._controller is not None:
            self._controller.shutdown()
