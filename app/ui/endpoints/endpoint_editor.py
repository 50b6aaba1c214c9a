"""The endpoint editor: address, protocol, model, key, and a "Test connection" button.

The test runs on a short-lived thread and reports back through a GUI-thread relay, so
a slow or dead server never freezes the window. The key field is never filled with a
stored key; saving puts a typed key in the OS keyring, never in a file.
"""

from __future__ import annotations

import threading

from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.core.engine.errors import TandemError
from app.core.engine.remote import Endpoint, Protocol, ServerInfo, probe
from app.core.engine.remote.endpoint import upsert_endpoint
from app.core.engine.remote.keys import key_source, lookup_key, store_key
from app.ui.workers.threads import alive, install_relay, post_to_gui

PROTOCOL_LABELS = {
    Protocol.AUTO: "Detect from the server",
    Protocol.OPENAI: "OpenAI-compatible (/v1/chat/completions)",
    Protocol.TGI: "TGI (/generate_stream)",
}


class ProbeRelay(QObject):
    """Lives on the GUI thread; the probe thread emits, Qt queues to the dialog."""

    succeeded = Signal(object)  # ServerInfo
    failed = Signal(str)


class EndpointEditor(QDialog):
    saved = Signal(object)  # Endpoint

    def __init__(self, endpoint: Endpoint | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Remote endpoint")
        self.setMinimumWidth(520)
        self._original_id = endpoint.id if endpoint else ""
        self.url = QLineEdit(endpoint.url if endpoint else "")
        self.url.setPlaceholderText("http://gaudi.lan:8000")
        self.protocol = QComboBox()
        for protocol, label in PROTOCOL_LABELS.items():
            self.protocol.addItem(label, protocol.value)
        self.protocol.setCurrentIndex(max(0, self.protocol.findData(
            endpoint.protocol.value if endpoint else Protocol.AUTO.value)))
        self.model = QComboBox()
        self.model.setEditable(True)
        self.model.setEditText(endpoint.model if endpoint else "")
        line = self.model.lineEdit()
        if line is not None:
            line.setPlaceholderText("the server's first model")
        self.name = QLineEdit(endpoint.name if endpoint else "")
        self.name.setPlaceholderText("a name for the pair selector")
        self.key = QLineEdit()
        self.key.setEchoMode(QLineEdit.EchoMode.Password)
        self.key_env = QLineEdit(endpoint.key_env if endpoint else "")
        self.key_env.setPlaceholderText("TANDEM_REMOTE_API_KEY")
        self.verify_tls = QCheckBox("Verify the TLS certificate")
        self.verify_tls.setChecked(endpoint.verify_tls if endpoint else True)
        self.ca_file = QLineEdit(endpoint.ca_file if endpoint else "")
        self.ca_file.setPlaceholderText("CA bundle for a self-signed server (optional)")
        self.read_timeout = QDoubleSpinBox()
        self.read_timeout.setRange(1.0, 600.0)
        self.read_timeout.setSuffix(" s")
        self.read_timeout.setValue(endpoint.read_timeout_s if endpoint else 60.0)
        form = QFormLayout()
        form.addRow("Address", self.url)
        form.addRow("Protocol", self.protocol)
        form.addRow("Model", self.model)
        form.addRow("Name", self.name)
        form.addRow("API key", self.key)
        form.addRow("Key variable", self.key_env)
        form.addRow("", self.verify_tls)
        form.addRow("CA bundle", self.ca_file)
        form.addRow("Read timeout", self.read_timeout)
        self.test_button = QPushButton("Test connection")
        self.test_button.clicked.connect(self.test_connection)
        self.status_label = QLabel("")
        self.status_label.setObjectName("Status")
        self.status_label.setWordWrap(True)
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.test_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.status_label)
        layout.addWidget(self.buttons)
        self.relay = ProbeRelay(self)
        self.relay.succeeded.connect(self._on_probe_ok)
        self.relay.failed.connect(self._on_probe_failed)
        self.last_info: ServerInfo | None = None
        self._probing = False
        self._show_key_source(endpoint)

    def _show_key_source(self, endpoint: Endpoint | None) -> None:
        source = key_source(endpoint) if endpoint else "none"
        self.key.setPlaceholderText("no key" if source == "none" else
                                    f"set ({source}); type to replace")

    def endpoint(self) -> Endpoint:
        """The endpoint as typed (raises InvalidSettingsError with a sentence)."""
        return Endpoint(url=self.url.text().strip(),
                        protocol=Protocol(self.protocol.currentData()),
                        model=self.model.currentText().strip(), name=self.name.text().strip(),
                        key_env=self.key_env.text().strip(),
                        verify_tls=self.verify_tls.isChecked(),
                        ca_file=self.ca_file.text().strip(),
                        read_timeout_s=self.read_timeout.value(), id=self._original_id)

    def _key_for(self, endpoint: Endpoint) -> str | None:
        return self.key.text().strip() or lookup_key(endpoint)

    @Slot()
    def test_connection(self) -> None:
        if self._probing:
            return
        try:
            endpoint = self.endpoint()
        except TandemError as exc:
            self._on_probe_failed(str(exc))
            return
        key = self._key_for(endpoint)
        self._probing = True
        self.test_button.setEnabled(False)
        self.status_label.setText(f"Connecting to {endpoint.host}…")
        relay = self.relay
        install_relay()

        def report(ok: bool, value: object) -> None:  # on the GUI thread
            if alive(relay):  # the dialog may have closed meanwhile
                (relay.succeeded if ok else relay.failed).emit(value)

        def work() -> None:
            try:
                info = probe(endpoint, key)
            except TandemError as exc:
                text = str(exc)
                post_to_gui(lambda: report(False, text))
            except Exception as exc:  # a bug, not the server: still say something
                text = f"The test failed: {type(exc).__name__}."
                post_to_gui(lambda: report(False, text))
            else:
                post_to_gui(lambda: report(True, info))

        threading.Thread(target=work, name="tandem-endpoint-test", daemon=True).start()

    @Slot(object)
    def _on_probe_ok(self, info: ServerInfo) -> None:
        self._probing = False
        self.test_button.setEnabled(True)
        self.last_info = info
        typed = self.model.currentText()
        self.model.clear()
        self.model.addItems(list(info.models))
        self.model.setEditText(typed or (info.models[0] if info.models else ""))
        self.status_label.setText(f"Connected: {info.summary()}")

    @Slot(str)
    def _on_probe_failed(self, text: str) -> None:
        self._probing = False
        self.test_button.setEnabled(True)
        self.last_info = None
        self.status_label.setText(f"Not connected: {text}")

    @Slot()
    def save(self) -> None:
        try:
            endpoint = self.endpoint()
            if self.key.text().strip():
                store_key(endpoint, self.key.text().strip())
            upsert_endpoint(endpoint)
        except TandemError as exc:
            self.status_label.setText(str(exc))
            return
        self.key.clear()
        self.saved.emit(endpoint)
        self.accept()
