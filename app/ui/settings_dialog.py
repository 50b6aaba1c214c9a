"""The Settings dialog: theme and draft marks, defaults for new answers, the data folder,
the Hugging Face token (OS keyring, never shown back) and OpenVINO's model cache."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app import paths
from app.core.engine.model_cache import CACHED_DEVICES, cache_size_bytes
from app.core.settings import Settings
from app.core.store import hf_auth
from app.ui.chat.controls_controller import ControlsController
from app.ui.chat.controls_view import _dspin, _spin

THEME_LABELS = {"system": "Follow the system", "light": "Light", "dark": "Dark"}
STYLE_LABELS = {"tint": "Tint", "underline": "Underline", "both": "Tint and underline"}


def _combo(labels: dict[str, str], current: str) -> QComboBox:
    combo = QComboBox()
    for value, label in labels.items():
        combo.addItem(label, value)
    combo.setCurrentIndex(max(0, combo.findData(current)))
    return combo


def _row(*widgets: QWidget) -> QHBoxLayout:
    row = QHBoxLayout()
    for widget in widgets:
        row.addWidget(widget)
    row.addStretch(1)
    return row


class SettingsDialog(QDialog):
    applied = Signal()  # the settings object was updated (OK pressed)

    def __init__(self, settings: Settings, controls: ControlsController,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.setObjectName("SettingsDialog")
        self.settings = settings
        self.controls = controls
        layout = QVBoxLayout(self)
        layout.addWidget(self._looks())
        layout.addWidget(self._defaults())
        layout.addWidget(self._data_folder())
        layout.addWidget(self._token())
        layout.addWidget(self._cache())
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.refresh_token_state()

    # -- sections ----------------------------------------------------------------------

    def _looks(self) -> QGroupBox:
        box = QGroupBox("Appearance")
        form = QFormLayout(box)
        self.theme = _combo(THEME_LABELS, self.settings.theme)
        self.draft_style = _combo(STYLE_LABELS, self.settings.draft_style)
        self.draft_style.setToolTip("How text from accepted draft tokens is marked; the "
                                    "underline reads without colour")
        form.addRow("Theme", self.theme)
        form.addRow("Draft tokens", self.draft_style)
        return box

    def _defaults(self) -> QGroupBox:
        box = QGroupBox("Generation defaults")
        form = QFormLayout(box)
        g = self.controls.generation_settings()
        self.k = _spin(1, 16, g.k)
        self.max_new = _spin(1, 4096, g.max_new_tokens)
        self.sample = QCheckBox("Sample (greedy when off)")
        self.sample.setChecked(g.do_sample)
        self.temperature = _dspin(0.05, 2.0, g.temperature, 0.05)
        self.top_p = _dspin(0.05, 1.0, g.top_p, 0.05)
        form.addRow("K (draft tokens)", self.k)
        form.addRow("Max new tokens", self.max_new)
        form.addRow("", self.sample)
        form.addRow("Temperature", self.temperature)
        form.addRow("Top-p", self.top_p)
        return box

    def _data_folder(self) -> QGroupBox:
        box = QGroupBox("Data folder (models, chats, settings)")
        column = QVBoxLayout(box)
        self.data_path = QLabel(str(paths.data_dir()))
        self.data_path.setWordWrap(True)
        self.data_note = QLabel("")
        self.data_note.setObjectName("Muted")
        self.data_note.setWordWrap(True)
        self.data_note.hide()
        open_button = QPushButton("Open")
        open_button.clicked.connect(lambda: QDesktopServices.openUrl(
            QUrl.fromLocalFile(str(paths.data_dir()))))
        change = QPushButton("Change…")
        change.clicked.connect(self.ask_data_folder)
        column.addWidget(self.data_path)
        column.addLayout(_row(open_button, change))
        column.addWidget(self.data_note)
        return box

    def _token(self) -> QGroupBox:
        box = QGroupBox("Hugging Face token (for gated models)")
        column = QVBoxLayout(box)
        self.token_state = QLabel("")
        self.token = QLineEdit()
        self.token.setEchoMode(QLineEdit.EchoMode.Password)
        self.token.setPlaceholderText("Paste a token (hf_…) to keep it in the OS keyring")
        save = QPushButton("Save token")
        save.clicked.connect(self.save_token)
        self.clear_button = QPushButton("Remove saved token")
        self.clear_button.clicked.connect(self.clear_token)
        column.addWidget(self.token_state)
        column.addWidget(self.token)
        column.addLayout(_row(save, self.clear_button))
        return box

    def _cache(self) -> QGroupBox:
        box = QGroupBox("OpenVINO model cache")
        column = QVBoxLayout(box)
        self.use_cache = QCheckBox(f"Cache compiled models for {' and '.join(CACHED_DEVICES)} "
                                   "(later loads skip compiling)")
        self.use_cache.setChecked(self.settings.model_cache)
        self.cache_label = QLabel("")
        self.cache_label.setWordWrap(True)
        self.cache_label.setObjectName("Muted")
        clear = QPushButton("Clear cache")
        clear.clicked.connect(self.clear_cache)
        column.addWidget(self.use_cache)
        column.addWidget(self.cache_label)
        column.addLayout(_row(clear))
        self._show_cache()
        return box

    # -- actions -----------------------------------------------------------------------

    def ask_data_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Data folder", str(paths.data_dir()))
        if folder:
            self.choose_data_folder(Path(folder))

    def choose_data_folder(self, folder: Path) -> None:
        """Record another data folder; it is used from the next start (nothing is moved)."""
        choice = paths.data_dir_choice_file()
        choice.parent.mkdir(parents=True, exist_ok=True)
        choice.write_text(str(folder), encoding="utf-8")
        self.data_path.setText(str(folder))
        self.data_note.show()
        self.data_note.setText("Used from the next start. Nothing is moved: copy the "
                               f"old folder's contents there if you want them "
                               f"({paths.data_dir()}).")

    def refresh_token_state(self) -> None:
        source = hf_auth.token_source()
        self.token_state.setText("No token is set." if source == "none"
                                 else f"A token is set ({source}).")
        self.clear_button.setEnabled(source == "OS keyring")

    def save_token(self) -> None:
        text = self.token.text().strip()
        if not text:
            self.token_state.setText("Paste a token first.")
            return
        try:
            hf_auth.save_token(text)
        except hf_auth.TokenStoreError as exc:
            self.token_state.setText(f"{exc.message} {exc.hint}")
            return
        self.token.clear()  # never kept in the widget, never shown back
        self.refresh_token_state()

    def clear_token(self) -> None:
        try:
            hf_auth.clear_token()
        except hf_auth.TokenStoreError as exc:
            self.token_state.setText(f"{exc.message} {exc.hint}")
            return
        self.refresh_token_state()

    def clear_cache(self) -> None:
        shutil.rmtree(paths.model_cache_dir(), ignore_errors=True)
        self._show_cache()

    def _show_cache(self) -> None:
        folder = paths.model_cache_dir()
        size = cache_size_bytes(folder) / 2**20
        self.cache_label.setText(f"{folder} · {size:,.1f} MB. Not used on the CPU, where "
                                 "it made loading slower.")

    def accept(self) -> None:
        s = self.settings
        s.theme = str(self.theme.currentData())
        s.draft_style = str(self.draft_style.currentData())
        s.model_cache = self.use_cache.isChecked()
        current = self.controls.generation_settings()
        self.controls.view.set_generation_settings(replace(
            current, k=self.k.value(), max_new_tokens=self.max_new.value(),
            do_sample=self.sample.isChecked(), temperature=round(self.temperature.value(), 3),
            top_p=round(self.top_p.value(), 3)))
        s.generation = self.controls.generation_settings()
        self.applied.emit()
        super().accept()
