"""The main window: a tab widget (chat first; other tabs are added with `tabs.addTab`),
keyboard shortcuts, and saving settings and geometry on close."""

from __future__ import annotations

import sys

from PySide6.QtCore import QByteArray, QTimer
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import QApplication, QMainWindow, QTabWidget, QWidget

from app.core.conversations import ConversationStore
from app.core.settings import LoadedSettings, Settings, load_settings, save_settings
from app.ui.chat.chat_controller import ChatController
from app.ui.chat.chat_tab import ChatTab
from app.ui.chat.chat_text import SUGGESTIONS
from app.ui.chat.controls_controller import ControlsController
from app.ui.chat.conversations_controller import ConversationsController
from app.ui.endpoints.endpoint_list import EndpointListDialog
from app.ui.help_menu import add_help_menu
from app.ui.models.models_tab import ModelsTab
from app.ui.race.race_tab import RaceTab
from app.ui.settings_dialog import SettingsDialog
from app.ui.theme import theme
from app.ui.workers import gui_gc
from app.ui.workers.generation_controller import GenerationController
from app.ui.workers.orderly_exit import OrderlyExit

SWITCH_INTERVAL_S = 0.0005


FIRST_SIZE = (1440, 900)
SCREEN_SHARE = 0.92  # a first window leaves a margin of the screen free


def first_size(available: tuple[int, int]) -> tuple[int, int]:
    """The first launch's window size: 1440 x 900, or less on a smaller screen (a 1366 x 768
    laptop, or 1920 x 1080 at 150% scaling: 1280 x 720 logical pixels)."""
    return (min(FIRST_SIZE[0], int(available[0] * SCREEN_SHARE)),
            min(FIRST_SIZE[1], int(available[1] * SCREEN_SHARE)))


class MainWindow(QMainWindow):
    def __init__(self, loaded: LoadedSettings | None = None,
                 store: ConversationStore | None = None, autoload: bool = True,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._exit = OrderlyExit(self)
        # The worker's streamer needs the GIL once per target step (a few ms on small
        # models); with the default 5 ms switch interval, Python work on the GUI thread
        # (charts, handlers) made it wait up to 5 ms per step, halving tokens/s.
        sys.setswitchinterval(SWITCH_INTERVAL_S)
        gui_gc.install()  # thread rule 7: no thread but this one collects Python cycles
        self.setWindowTitle("Tandem · speculative decoding on your PC")
        self.resize(*first_size(self.screen().availableGeometry().size().toTuple()))
        loaded = loaded or load_settings()
        self.settings: Settings = loaded.settings
        self.first_launch = loaded.first_launch
        self.apply_look()
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
        self.chat_tab.chat.system_prompt.set_presets(self.settings.system_presets)
        self.chat_tab.chat.system_prompt.presets_changed.connect(self._save_presets)
        self.chat_tab.chat.settings_button.clicked.connect(self.open_settings)
        self.controls.view.endpoints_clicked.connect(self.edit_endpoints)
        # The race starts on the pair and devices the chat uses.
        self.race_tab.pair_hint = lambda: (self.controls.pair().id,
                                           *self.controls.view.devices())
        self.race_tab.cache_dir = self.controls.cache_dir
        self.race_tab.exact = lambda: self.controls.generation_settings().exact
        # A pull finished here, or the store changed on disk (the CLI, another window).
        self.models_tab.controller.pairs_changed.connect(self.controls.refresh_pairs)
        self.models_tab.controller.pairs_changed.connect(self.race_tab.refresh_pairs)
        self.chat.answer_finished.connect(lambda _r: self.save_settings())
        self.help_menu = add_help_menu(self, lambda: self.controls.devices, self.pair_in_use)
        self._restore_geometry()
        self._shortcuts()
        self._open_start_conversation()
        if loaded.problem:
            self.chat.show_error(loaded.problem, "")
        # Once the window is on screen: list the devices and (autoload) load the pair, so
        # that the first answer does not wait for it. Both run on workers.
        self._autoload = autoload
        self._started = False

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._started:
            self._started = True
            QTimer.singleShot(0, self._after_first_show)  # runs after the first paint

    def _after_first_show(self) -> None:
        self.controls.list_devices_in_background()
        if self._autoload:
            self.controls.load()

    def pair_in_use(self) -> str:
        """The loaded pair with its devices and state, or the selected one (Help menu)."""
        spec = self.generation.spec
        if spec is None:
            return f"{self.controls.pair().name} (not loaded)"
        draft = f", draft on {spec.resolved_draft_device}" if spec.draft else ""
        return f"{spec.label()} on {spec.device}{draft} ({self.generation.state.value})"

    def _open_start_conversation(self) -> None:
        self.conversations.refresh_list()
        last_id = self.settings.last_conversation
        last = self.conversations.store.load(last_id) if last_id else None
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
            "Ctrl+,": self.open_settings,
        }
        self._shortcut_objects = []
        for keys, slot in bindings.items():
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.activated.connect(slot)
            self._shortcut_objects.append(shortcut)

    def apply_look(self) -> None:
        """The theme and the draft-token style from the settings."""
        theme.set_draft_style(self.settings.draft_style)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            theme.apply(app, self.settings.theme)

    def _save_presets(self, presets: dict) -> None:
        self.settings.system_presets = dict(presets)
        self.save_settings()

    def open_settings(self) -> SettingsDialog:
        dialog = SettingsDialog(self.settings, self.controls, self)
        dialog.applied.connect(self._on_settings_applied)
        dialog.open()
        return dialog

    def edit_endpoints(self) -> EndpointListDialog:
        """The remote endpoint list, over the pair panel; the pair selector follows its changes."""
        dialog = EndpointListDialog(self.controls.view)
        dialog.changed.connect(self.controls.refresh_pairs)
        dialog.open()
        return dialog

    def _on_settings_applied(self) -> None:
        self.apply_look()
        self.save_settings()

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
        if not self._exit.started:
            if not self.models_tab.close_allowed():  # asks first while a pull runs
                event.ignore()
                return
            self._exit.started = True
            self.models_tab.shutdown()
            self.save_settings()
            self.generation.shutdown()
            self.race_tab.shutdown()
            self.conversations.shutdown()
        if self._exit.defer(event):
            return  # hidden; closes for real once every worker has ended
        super().closeEvent(event)
