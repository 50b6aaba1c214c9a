"""The main window: a tab widget (chat first; other tabs are added with `tabs.addTab`),
keyboard shortcuts, and saving settings and geometry on close."""

from __future__ import annotations

import sys

from PySide6.QtCore import QByteArray
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import QMainWindow, QTabWidget, QWidget

from app.core.conversations import ConversationStore
from app.core.settings import LoadedSettings, Settings, load_settings, save_settings
from app.ui.chat_controller import ChatController
from app.ui.chat_tab import ChatTab
from app.ui.chat_text import SUGGESTIONS
from app.ui.controls_controller import ControlsController
from app.ui.conversations_controller import ConversationsController
from app.ui.generation_controller import GenerationController
from app.ui.models_tab import ModelsTab
from app.ui.race_tab import RaceTab

SWITCH_INTERVAL_S = 0.0005


class MainWindow(QMainWindow):
    def __init__(self, loaded: LoadedSettings | None = None,
                 store: ConversationStore | None = None, autoload: bool = True,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        # The worker's streamer needs the GIL once per target step (a few ms on small
        # models); with the default 5 ms switch interval, Python work on the GUI thread
        # (charts, handlers) made it wait up to 5 ms per step, halving tokens/s.
        sys.setswitchinterval(SWITCH_INTERVAL_S)
        self.setWindowTitle("Tandem · speculative decoding on your PC")
        self.resize(1440, 900)
        loaded = loaded or load_settings()
        self.settings: Settings = loaded.settings
        self.first_launch = loaded.first_launch
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.setCentralWidget(self.tabs)
        self.chat_tab = ChatTab()
        self.tabs.addTab(self.chat_tab, "Chat")
        self.race_tab = RaceTab()  # loads its pipelines on the first race only
        self.tabs.addTab(self.race_tab, "Race")
        self.models_tab = ModelsTab()  # browse, pull, add and remove pairs
        self.tabs.addTab(self.models_tab, "Models")
        self.generation = GenerationController(self)
        self.controls = ControlsController(self.chat_tab.controls, self.generation,
                                           self.settings)
        self.conversations = ConversationsController(self.chat_tab,
                                                     store or ConversationStore())
        self.chat = ChatController(self.chat_tab, self.conversations,
                                   self.generation, self.controls)
        self.chat_tab.chat.tint_switch.setChecked(self.settings.tint_draft_tokens)
        # A pull finished here, or the store changed on disk (the CLI, another window).
        self.models_tab.controller.pairs_changed.connect(self.controls.refresh_pairs)
        self.models_tab.controller.pairs_changed.connect(
            self.race_tab.controller.refresh_pairs)
        self.chat.answer_finished.connect(lambda _r: self.save_settings())
        self._restore_geometry()
        self._shortcuts()
        self._open_start_conversation()
        if loaded.problem:
            self.chat.show_error(loaded.problem, "")
        if autoload:
            # Load the pair now so that the first answer does not wait for it.
            self.controls.load()

    def _open_start_conversation(self) -> None:
        self.conversations.refresh_list()
        existing = self.conversations.store.find()
        last = next((c for c in existing if c.id == self.settings.last_conversation), None)
        if last is not None:
            self.conversations.open_conversation(last.id)
        else:
            self.conversations.new_conversation()
        if self.first_launch:
            # A newcomer gets a suggested prompt, ready to send with Enter.
            self.chat_tab.chat.input.setPlainText(SUGGESTIONS[0])
            self.chat_tab.chat.input.selectAll()
        self.conversations.refresh_list()
        self.chat_tab.chat.input.setFocus()

    def _shortcuts(self) -> None:
        chat = self.chat_tab.chat
        bindings = {
            "Ctrl+N": self.conversations.new_conversation,
            "Ctrl+L": lambda: chat.input.setFocus(),
            "Ctrl+F": lambda: self.chat_tab.conversations.search.setFocus(),
            "Ctrl+R": self.chat.regenerate,
            "Ctrl+Shift+C": self.conversations.copy_answer,
            "Ctrl+E": self.conversations.ask_export,
            "Ctrl+T": lambda: chat.tint_switch.toggle(),
            "Ctrl+Q": self.close,
            "F2": self.chat_tab.conversations.ask_rename,
        }
        self._shortcut_objects = []
        for keys, slot in bindings.items():
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.activated.connect(slot)
            self._shortcut_objects.append(shortcut)

    def _restore_geometry(self) -> None:
        if self.settings.window_geometry:
            self.restoreGeometry(QByteArray.fromBase64(
                self.settings.window_geometry.encode("ascii")))

    def collect_settings(self) -> Settings:
        s = self.settings
        s.window_geometry = bytes(self.saveGeometry().toBase64().data()).decode("ascii")
        s.tint_draft_tokens = self.chat_tab.chat.tint_switch.isChecked()
        s.last_conversation = self.chat.conversation.id if self.chat.conversation else ""
        self.controls.save_into(s)
        return s

    def save_settings(self) -> None:
        save_settings(self.collect_settings())

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.models_tab.close_allowed():
            event.ignore()
            return
        self.models_tab.shutdown()
        self.save_settings()
        self.generation.shutdown()
        self.race_tab.shutdown()
        super().closeEvent(event)
