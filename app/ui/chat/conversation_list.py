"""The conversation list: search, new, rename, delete (the view; ChatController decides)."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QInputDialog,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.core.conversation_index import ConversationSummary


class ConversationList(QWidget):
    new_requested = Signal()
    selected = Signal(str)  # conversation id
    rename_requested = Signal(str, str)  # id, new title
    delete_requested = Signal(str)
    search_changed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        top = QHBoxLayout()
        self.new_button = QPushButton("+  New chat")
        self.new_button.setObjectName("Primary")
        self.new_button.setToolTip("Start a new conversation (Ctrl+N)")
        self.new_button.clicked.connect(self.new_requested)
        top.addWidget(self.new_button)
        layout.addLayout(top)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search chats…")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self.search_changed)
        layout.addWidget(self.search)
        self.list = QListWidget()
        self.list.setObjectName("ConversationList")
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.list.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.list.customContextMenuRequested.connect(self._menu)
        self.list.currentItemChanged.connect(self._on_current)
        self.list.itemDoubleClicked.connect(lambda _item: self.ask_rename())
        layout.addWidget(self.list, 1)
        self._filling = False

    def set_conversations(self, conversations: list[ConversationSummary], current: str) -> None:
        self._filling = True
        # One repaint and one layout for the whole list, not one per item (500 chats).
        self.list.setUpdatesEnabled(False)
        self.list.clear()
        for conv in conversations:
            item = QListWidgetItem(conv.title)
            item.setData(Qt.ItemDataRole.UserRole, conv.id)
            turns = conv.exchanges
            item.setToolTip(f"{conv.title}\n{turns} exchange{'s' if turns != 1 else ''}")
            self.list.addItem(item)
            if conv.id == current:
                self.list.setCurrentItem(item)
        self.list.setUpdatesEnabled(True)
        self._filling = False

    def current_id(self) -> str | None:
        item = self.list.currentItem()
        return str(item.data(Qt.ItemDataRole.UserRole)) if item else None

    def _on_current(self, item: QListWidgetItem | None, _prev: QListWidgetItem | None) -> None:
        if item is not None and not self._filling:
            self.selected.emit(str(item.data(Qt.ItemDataRole.UserRole)))

    def _menu(self, point: QPoint) -> None:
        if self.list.itemAt(point) is None:
            return
        menu = QMenu(self)
        menu.addAction("Rename…", self.ask_rename)
        menu.addAction("Delete", self.ask_delete)
        menu.exec(self.list.mapToGlobal(point))

    def ask_rename(self) -> None:
        item = self.list.currentItem()
        if item is None:
            return
        title, ok = QInputDialog.getText(self, "Rename chat", "Title:", text=item.text())
        if ok and title.strip():
            self.rename_requested.emit(str(item.data(Qt.ItemDataRole.UserRole)), title.strip())

    def ask_delete(self) -> None:
        item = self.list.currentItem()
        if item is None:
            return
        answer = QMessageBox.question(self, "Delete chat",
                                      f"Delete “{item.text()}”? This cannot be undone.")
        if answer == QMessageBox.StandardButton.Yes:
            self.delete_requested.emit(str(item.data(Qt.ItemDataRole.UserRole)))
