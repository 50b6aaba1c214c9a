"""The Models tab: browse the catalog, pull, add, verify and remove pairs."""

from __future__ import annotations

from PySide6.QtWidgets import QVBoxLayout, QWidget

from app.ui.models.models_controller import ModelsController
from app.ui.models.models_view import ModelsView
from app.ui.models.store_watch import StoreWatcher
from app.ui.workers.store_jobs import StoreJobs


class ModelsTab(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.view = ModelsView()
        self.jobs = StoreJobs(owner=self)
        self.watcher = StoreWatcher(self)
        self.controller = ModelsController(self.view, self.jobs, self.watcher)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view)

    def close_allowed(self) -> bool:
        """Ask before closing during a pull; a cancelled pull resumes next time."""
        if not self.jobs.busy:
            return True
        current = self.jobs.current.label if self.jobs.current else "a queued job"
        return self.controller.confirm(
            "A download is running",
            f"Tandem is {current}. Close anyway? The job is cancelled; finished files are "
            "kept and pulling again resumes.")

    def shutdown(self) -> None:
        self.watcher.stop()
        self.jobs.shutdown()
