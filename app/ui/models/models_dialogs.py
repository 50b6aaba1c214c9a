"""The Models page's dialogs: add a local model, and sign in for gated repos."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.core.store import hf_auth
from app.core.store.hub import hub_settings
from app.core.store.local_gguf import LocalGguf, find_local_ggufs


def _path_row(edit: QLineEdit, parent: QWidget) -> QWidget:
    box = QWidget()
    row = QHBoxLayout(box)
    row.setContentsMargins(0, 0, 0, 0)
    row.addWidget(edit, 1)
    folder = QPushButton("Folder…")
    file = QPushButton("File…")

    def pick_folder() -> None:
        chosen = QFileDialog.getExistingDirectory(parent, "A model folder (OpenVINO IR or a "
                                                          "checkpoint)")
        if chosen:
            edit.setText(chosen)

    def pick_file() -> None:
        chosen, _ = QFileDialog.getOpenFileName(parent, "A model file", "",
                                                "GGUF (*.gguf);;All files (*)")
        if chosen:
            edit.setText(chosen)

    folder.clicked.connect(pick_folder)
    file.clicked.connect(pick_file)
    row.addWidget(folder)
    row.addWidget(file)
    return box


class AddLocalDialog(QDialog):
    """A target and an optional draft: folders, or Hub repo ids."""

    def __init__(self, parent: QWidget | None = None,
                 found: list[LocalGguf] | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Add local model")
        self.setMinimumWidth(620)
        layout = QVBoxLayout(self)
        intro = QLabel("Each side is a folder holding OpenVINO IR or a Hugging Face "
                       "checkpoint (config.json and weights), or a Hub repo id. Without a "
                       "draft, Tandem uses the catalog's default draft for the target's "
                       "architecture. A GGUF file is converted (it needs the conversion "
                       "tools) after its tokenizer is checked against the file.")
        intro.setWordWrap(True)
        intro.setObjectName("Muted")
        layout.addWidget(intro)
        form = QFormLayout()
        self.target = QLineEdit()
        self.target.setPlaceholderText("folder or owner/name")
        self.draft = QLineEdit()
        self.draft.setPlaceholderText("optional: the architecture's default draft")
        self.name = QLineEdit()
        self.name.setPlaceholderText("optional")
        # GGUFs that LM Studio and Ollama already keep on this PC.
        self.found = found if found is not None else find_local_ggufs()
        self.offer = QComboBox()
        self.offer.addItem(f"{len(self.found)} GGUF file(s) found in LM Studio / Ollama"
                           if self.found else "No GGUF files found in LM Studio / Ollama", "")
        for item in self.found:
            self.offer.addItem(f"{item.name} ({item.source}, {item.size / 2**30:.1f} GB)",
                               str(item.path))
        self.offer.setEnabled(bool(self.found))
        self.offer.currentIndexChanged.connect(self._take_offer)
        form.addRow("Found", self.offer)
        form.addRow("Target", _path_row(self.target, self))
        form.addRow("Draft", _path_row(self.draft, self))
        form.addRow("Name", self.name)
        layout.addLayout(form)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Add")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

    def _take_offer(self, index: int) -> None:
        path = self.offer.itemData(index)
        if path:
            self.target.setText(path)

    def values(self) -> tuple[str, str, str]:
        return (self.target.text().strip(), self.draft.text().strip(),
                self.name.text().strip())


class SignInDialog(QDialog):
    """A Hugging Face access token, stored in the OS keyring (never in Tandem's files)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Sign in to Hugging Face")
        self.setMinimumWidth(520)
        layout = QVBoxLayout(self)
        tokens = f"{hub_settings().endpoint}/settings/tokens"
        intro = QLabel(
            "Gated repos (Llama, Gemma) need their licence accepted on the Hub and an "
            f'access token of that account: create a read token at <a href="{tokens}">'
            f"{tokens}</a>. Tandem keeps it in the OS keyring only.")
        intro.setWordWrap(True)
        intro.setOpenExternalLinks(True)
        intro.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(intro)
        self.source = QLabel(f"Token now: {hf_auth.token_source()}")
        self.source.setObjectName("Muted")
        layout.addWidget(self.source)
        self.token = QLineEdit()
        self.token.setEchoMode(QLineEdit.EchoMode.Password)
        self.token.setPlaceholderText("hf_…")
        layout.addWidget(self.token)
        self.problem = QLabel("")
        self.problem.setObjectName("ErrorBanner")
        self.problem.setWordWrap(True)
        self.problem.hide()
        layout.addWidget(self.problem)
        self.buttons = QDialogButtonBox()
        self.save = self.buttons.addButton("Save token", QDialogButtonBox.ButtonRole.AcceptRole)
        self.forget = self.buttons.addButton("Forget the stored token",
                                             QDialogButtonBox.ButtonRole.DestructiveRole)
        self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.save.clicked.connect(self.store)
        self.forget.clicked.connect(self.clear)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

    def _fail(self, exc: hf_auth.TokenStoreError) -> None:
        self.problem.setText(f"{exc.message} {exc.hint}")
        self.problem.show()

    def store(self) -> bool:
        text = self.token.text().strip()
        if not text:
            self.problem.setText("Paste a token first (it starts with hf_).")
            self.problem.show()
            return False
        try:
            hf_auth.save_token(text)
        except hf_auth.TokenStoreError as exc:
            self._fail(exc)
            return False
        self.token.clear()
        self.accept()
        return True

    def clear(self) -> bool:
        try:
            hf_auth.clear_token()
        except hf_auth.TokenStoreError as exc:
            self._fail(exc)
            return False
        self.source.setText(f"Token now: {hf_auth.token_source()}")
        return True
