"""Saved remote endpoints: a list with Add, Edit and Remove.

Each endpoint appears in the pair selector beside the local pairs (`remote_pairs.py`);
choosing it loads a RemoteSession through the ordinary load_session(spec).
"""

from __future__ import annotations

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.core.engine.errors import TandemError
from app.core.engine.remote import Endpoint, load_endpoints
from app.core.engine.remote.endpoint import remove_endpoint
from app.core.engine.remote.keys import store_key
from app.ui.endpoints.endpoint_editor import EndpointEditor


class EndpointListDialog(QDialog):
    changed = Signal()  # an endpoint was added, edited or removed

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Remote endpoints")
        self.setMinimumWidth(480)
        self.list = QListWidget()
        self.add_button = QPushButton("Add…")
        self.edit_button = QPushButton("Edit…")
        self.remove_button = QPushButton("Remove")
        self.add_button.clicked.connect(lambda: self.open_editor(None))
        self.edit_button.clicked.connect(self._edit_selected)
        self.remove_button.clicked.connect(self._remove_selected)
        self.list.itemDoubleClicked.connect(lambda _item: self._edit_selected())
        self.list.currentRowChanged.connect(lambda _row: self._update_buttons())
        row = QHBoxLayout()
        for button in (self.add_button, self.edit_button, self.remove_button):
            row.addWidget(button)
        row.addStretch(1)
        note = QLabel("Servers appear in the pair selector. Keys stay in the OS keyring or "
                      "in environment variables, never in Tandem's files.")
        note.setWordWrap(True)
        note.setObjectName("Status")
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.accept)
        layout = QVBoxLayout(self)
        layout.addWidget(self.list)
        layout.addLayout(row)
        layout.addWidget(note)
        layout.addWidget(close)
        self.editor: EndpointEditor | None = None
        self.refresh()

    def refresh(self) -> None:
        self.list.clear()
        try:
            endpoints = load_endpoints()
        except TandemError:
            endpoints = []
        for endpoint in endpoints:
            item = QListWidgetItem(f"{endpoint.label()}  ·  {endpoint.url}  ·  "
                                   f"{endpoint.protocol.value}")
            item.setData(256, endpoint)  # Qt.UserRole
            self.list.addItem(item)
        self._update_buttons()

    def _selected(self) -> Endpoint | None:
        item = self.list.currentItem()
        return item.data(256) if item is not None else None

    def _update_buttons(self) -> None:
        chosen = self._selected() is not None
        self.edit_button.setEnabled(chosen)
        self.remove_button.setEnabled(chosen)

    def open_editor(self, endpoint: Endpoint | None) -> EndpointEditor:
        self.editor = EndpointEditor(endpoint, self)
        self.editor.saved.connect(self._on_saved)
        self.editor.open()
        return self.editor

    @Slot()
    def _edit_selected(self) -> None:
        endpoint = self._selected()
        if endpoint is not None:
            self.open_editor(endpoint)

    @Slot()
    def _remove_selected(self) -> None:
        endpoint = self._selected()
        if endpoint is None:
            return
        remove_endpoint(endpoint.id)
        try:
            store_key(endpoint, "")  # forget its stored key too
        except TandemError:
            pass  # no usable keyring: there was nothing stored
        self.refresh()
        self.changed.emit()

    @Slot(object)
    def _on_saved(self, _endpoint: Endpoint) -> None:
        self.refresh()
        self.changed.emit()
