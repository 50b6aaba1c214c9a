"""Behind the conversation list: new, open, rename, delete, search, the system prompt,
copy and export. Holds the conversation on screen; ChatController runs answers in it."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QFileDialog

from app.core.conversation_index import ConversationSummary
from app.core.conversations import Conversation, ConversationStore, to_json, to_markdown
from app.ui.chat.chat_tab import ChatTab
from app.ui.workers.threads import alive, install_relay, post_to_gui


class ConversationsController(QObject):
    error = Signal(str, str)  # message, hint
    # Listing and search run on a lister thread (never the GUI thread, issue 13 item 10):
    _listed = Signal(int, object)  # request number, list[ConversationSummary]
    list_shown = Signal()  # the list widget shows the latest request's result

    def __init__(self, tab: ChatTab, store: ConversationStore) -> None:
        super().__init__(tab)
        self.tab = tab
        self.store = store
        self.conversation: Conversation | None = None
        # The id of the chat an answer is being generated in, if any (set by ChatController).
        self.busy_chat: Callable[[], str | None] = lambda: None
        self._lister = ThreadPoolExecutor(max_workers=1, thread_name_prefix="chat-list")
        install_relay()
        self._asked = 0
        self._listed.connect(self._show_list)
        convs = tab.conversations
        convs.new_requested.connect(self.new_conversation)
        convs.selected.connect(self.open_conversation)
        convs.rename_requested.connect(self.rename)
        convs.delete_requested.connect(self.delete)
        convs.search_changed.connect(lambda _q: self.refresh_list())
        tab.chat.system_prompt.editingFinished.connect(self._save_system_prompt)
        tab.chat.copy.clicked.connect(self.copy_answer)
        tab.chat.export.clicked.connect(self.ask_export)

    # -- the list --------------------------------------------------------------------

    def refresh_list(self) -> None:
        """Ask for the list (filtered by the search box); it is shown when ready."""
        self._asked += 1
        asked, query, store = self._asked, self.tab.conversations.search.text(), self.store

        def work() -> None:
            try:
                found = store.summaries(query)
            except Exception as exc:  # shown to the user, never lost
                store.add_problem(f"The chat list could not be read ({exc}).")
                found = []
            post_to_gui(lambda: self._listed.emit(asked, found) if alive(self) else None)

        self._lister.submit(work)

    @Slot(int, object)
    def _show_list(self, asked: int, found: list[ConversationSummary]) -> None:
        if asked != self._asked:
            return  # a newer request (another keystroke) is on its way
        current = self.conversation.id if self.conversation else ""
        self.tab.conversations.set_conversations(found, current)
        for problem in self.store.take_problems():
            self.error.emit(problem, "The file was kept; nothing else was changed.")
        self.list_shown.emit()

    def shutdown(self) -> None:
        self._lister.shutdown(wait=False, cancel_futures=True)

    @Slot()
    def new_conversation(self) -> None:
        if self.conversation is not None and not self.conversation.turns:
            self.tab.chat.input.setFocus()
            return  # already on an empty chat
        self.conversation = Conversation.new()
        self.show_current()
        self.refresh_list()
        self.tab.chat.input.setFocus()

    @Slot(str)
    def open_conversation(self, conversation_id: str) -> None:
        busy = self.busy_chat()
        if busy is not None and busy != conversation_id:
            self.error.emit("An answer is being generated in this chat.",
                            "Stop it (Esc) or wait for it before switching chats.")
            self.refresh_list()
            return
        conv = self.store.load(conversation_id)
        if conv is None:
            self.refresh_list()
            return
        self.conversation = conv
        self.show_current()

    def show_current(self) -> None:
        conv = self.conversation
        self.tab.chat.system_prompt.setText(conv.system_prompt if conv else "")
        self.tab.chat.view.show_conversation(conv)

    @Slot(str, str)
    def rename(self, conversation_id: str, title: str) -> None:
        self.store.rename(conversation_id, title)
        if self.conversation and self.conversation.id == conversation_id:
            self.conversation.title = title
        self.refresh_list()

    @Slot(str)
    def delete(self, conversation_id: str) -> None:
        if self.busy_chat() == conversation_id:
            self.error.emit("This chat is generating an answer.", "Stop it first (Esc).")
            return
        self.store.delete(conversation_id)
        if self.conversation and self.conversation.id == conversation_id:
            remaining = self.store.summaries()  # the index is warm: no file is read
            first = self.store.load(remaining[0].id) if remaining else None
            self.conversation = first or Conversation.new()
            self.show_current()
        self.refresh_list()

    def _save_system_prompt(self) -> None:
        if self.conversation is not None:
            self.conversation.system_prompt = self.tab.chat.system_prompt.text().strip()
            if self.conversation.turns:
                self.store.save(self.conversation)

    # -- copy and export -------------------------------------------------------------

    def last_answer(self) -> str:
        conv = self.conversation
        answers = [t.content for t in conv.turns if t.role == "assistant"] if conv else []
        return answers[-1] if answers else ""

    @Slot()
    def copy_answer(self) -> None:
        answer = self.last_answer()
        if answer:
            QGuiApplication.clipboard().setText(answer)
            self.tab.chat.status.setText("Answer copied.")

    @Slot()
    def ask_export(self) -> None:
        if self.conversation is None or not self.conversation.turns:
            self.error.emit("This chat is empty.", "Send a message first, then export it.")
            return
        path, _filter = QFileDialog.getSaveFileName(
            self.tab, "Export chat", f"{self.conversation.title}.md",
            "Markdown (*.md);;JSON (*.json)")
        if path:
            self.export_to(Path(path))

    def export_to(self, path: Path) -> None:
        assert self.conversation is not None
        text = to_json(self.conversation) if path.suffix.lower() == ".json" \
            else to_markdown(self.conversation)
        try:
            path.write_text(text, encoding="utf-8")
        except OSError as exc:
            self.error.emit(f"Could not write {path}: {exc.strerror}.",
                            "Choose a folder you can write to.")
            return
        self.tab.chat.status.setText(f"Exported to {path.name}.")
