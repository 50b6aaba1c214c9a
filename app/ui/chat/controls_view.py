"""Generation controls: pair, devices, mode, sampling, and the pair's load state."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.core.settings import CONFIDENCE_MODES, HYBRID_MODES, GenerationSettings, RunMode
from app.core.store.pairs import ReadyPair
from app.core.sysinfo import Device

MODE_LABELS = {
    RunMode.PLAIN: "Plain (target only)",
    RunMode.SPECULATIVE_K: "Speculative · fixed K",
    RunMode.SPECULATIVE_CONFIDENCE: "Speculative · confidence",
    RunMode.PROMPT_LOOKUP: "Prompt lookup",
    RunMode.HYBRID: "Hybrid · lookup + draft",
    RunMode.HYBRID_CONFIDENCE: "Hybrid · lookup + draft to confidence",
    RunMode.AUTO: "Auto (tuned)",
}
EXACT_TIP = ("Compute in f32 on every device. CPUs with bf16 units (recent Xeons) and GPUs "
             "default to lower precision, where a speculative answer can differ from plain "
             "at a near-tie between two tokens. Exact makes them the same text, and is "
             "slower there.")


def pair_label(pair: ReadyPair) -> str:
    return f"{pair.name} · universal draft" if pair.universal else pair.name


class ControlsView(QFrame):
    pair_settings_changed = Signal()  # pair, devices or mode: may need a reload
    load_clicked = Signal()
    unload_clicked = Signal()
    endpoints_clicked = Signal()  # open the remote endpoint list

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("Panel")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(12, 10, 12, 12)
        outer.setSpacing(6)
        title = QLabel("Generation")
        title.setObjectName("PanelTitle")
        outer.addWidget(title)
        form = QFormLayout()
        form.setHorizontalSpacing(10)
        form.setVerticalSpacing(6)
        self.pair = QComboBox()
        self.target_device = QComboBox()
        self.draft_device = QComboBox()
        self.mode = QComboBox()
        for mode, label in MODE_LABELS.items():
            self.mode.addItem(label, mode.value)
        self.k = _spin(1, 16, 3)
        self.confidence = _dspin(0.05, 0.95, 0.4, 0.05)
        self.ngram = _spin(1, 8, 3)
        self.max_new = _spin(1, 4096, 256)
        self.sample = QCheckBox("Sample")
        self.sample.setToolTip("Sample with temperature / top-p / top-k; greedy when off")
        self.exact = QCheckBox("Exact (f32)")
        self.exact.setToolTip(EXACT_TIP)
        self.temperature = _dspin(0.05, 2.0, 0.7, 0.05)
        self.top_p = _dspin(0.05, 1.0, 0.9, 0.05)
        self.top_k = _spin(0, 200, 0)
        self.seed = _spin(-1, 2**31 - 1, -1)
        self.seed.setSpecialValueText("Random")  # -1: a new seed per answer
        self.seed.setToolTip("Random: a new seed for every answer (saved with the answer). "
                             "Set a number to fix it and reproduce an answer.")
        for combo in (self.pair, self.target_device, self.draft_device, self.mode):
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(12)
        self.mode.setToolTip("Plain: the target alone. Speculative: the draft proposes K "
                             "tokens per step, or drafts until its confidence drops. "
                             "Prompt lookup: copies n-grams from the prompt, no draft. "
                             "Hybrid: prompt lookup where the context repeats, the draft "
                             "elsewhere (Tandem's own loop), K tokens at a time or until the "
                             "draft's confidence drops. "
                             "Auto: the setting `tandem tune` stored for this pair.")
        form.addRow("Pair", self.pair)
        self.endpoints_button = QPushButton("Remote servers…")
        self.endpoints_button.setToolTip("Add a vLLM, TGI or Tandem server as a pair")
        self.endpoints_button.clicked.connect(self.endpoints_clicked)
        form.addRow("", self.endpoints_button)
        form.addRow("Target on", self.target_device)
        form.addRow("Draft on", self.draft_device)
        form.addRow("Mode", self.mode)
        form.addRow("K (draft tokens)", self.k)
        form.addRow("Confidence", self.confidence)
        form.addRow("N-gram size", self.ngram)
        form.addRow("Max new tokens", self.max_new)
        form.addRow("", self.sample)
        form.addRow("", self.exact)
        self.sampling_rows: list[QWidget] = [self.temperature, self.top_p, self.top_k, self.seed]
        form.addRow("Temperature", self.temperature)
        form.addRow("Top-p", self.top_p)
        form.addRow("Top-k", self.top_k)
        form.addRow("Seed", self.seed)
        self.form = form
        outer.addLayout(form)
        row = QHBoxLayout()
        self.status = QLabel("Not loaded")
        self.status.setObjectName("Status")
        self.status.setWordWrap(True)
        self.load_button = QPushButton("Unload")
        self.load_button.setMinimumWidth(self.load_button.sizeHint().width() + 8)
        self.load_button.clicked.connect(self.toggle_load)
        row.addWidget(self.status, 1)
        row.addWidget(self.load_button)
        outer.addLayout(row)
        self.progress = QProgressBar()
        self.progress.setTextVisible(False)
        self.progress.setRange(0, 0)  # busy: GenAI reports no load progress
        self.progress.hide()
        outer.addWidget(self.progress)
        for combo in (self.pair, self.target_device, self.draft_device, self.mode):
            combo.currentIndexChanged.connect(self._on_pair_settings)
        self.sample.toggled.connect(self._update_visibility)
        self.exact.toggled.connect(self._on_pair_settings)  # another arithmetic: a reload
        self._loaded = False
        self._update_visibility()

    def set_pairs(self, pairs: list[ReadyPair], current: str) -> None:
        self.pair.blockSignals(True)
        self.pair.clear()
        for pair in pairs:
            self.pair.addItem(pair_label(pair), pair.id)
            self.pair.setItemData(self.pair.count() - 1, pair_label(pair),
                                  Qt.ItemDataRole.ToolTipRole)
        index = max(0, self.pair.findData(current))
        self.pair.setCurrentIndex(index)
        self.pair.setToolTip(self.pair.currentText())
        self.pair.blockSignals(False)

    def set_devices(self, devices: list[Device], target: str, draft: str) -> None:
        for combo, chosen in ((self.target_device, target), (self.draft_device, draft)):
            combo.blockSignals(True)
            combo.clear()
            if combo is self.draft_device:
                combo.addItem("Same as target", "")
            for device in devices:
                combo.addItem(device.label(), device.name)
                combo.setItemData(combo.count() - 1, device.label(),
                                  Qt.ItemDataRole.ToolTipRole)
            combo.setCurrentIndex(max(0, combo.findData(chosen)))
            combo.setToolTip(combo.currentText())
            combo.blockSignals(False)

    def pair_id(self) -> str:
        return str(self.pair.currentData() or "")

    def devices(self) -> tuple[str, str | None]:
        return str(self.target_device.currentData() or "CPU"), \
            (str(self.draft_device.currentData()) or None)

    def generation_settings(self) -> GenerationSettings:
        return GenerationSettings(
            mode=RunMode(self.mode.currentData()), k=self.k.value(),
            confidence=round(self.confidence.value(), 3), ngram=self.ngram.value(),
            max_new_tokens=self.max_new.value(), do_sample=self.sample.isChecked(),
            temperature=round(self.temperature.value(), 3), top_p=round(self.top_p.value(), 3),
            top_k=self.top_k.value(), seed=max(self.seed.value(), 0),
            fix_seed=self.seed.value() >= 0, exact=self.exact.isChecked())

    def set_generation_settings(self, s: GenerationSettings) -> None:
        self.mode.blockSignals(True)
        self.mode.setCurrentIndex(max(0, self.mode.findData(s.mode.value)))
        self.mode.blockSignals(False)
        self.k.setValue(s.k)
        self.confidence.setValue(s.confidence)
        self.ngram.setValue(s.ngram)
        self.max_new.setValue(s.max_new_tokens)
        self.sample.setChecked(s.do_sample)
        self.temperature.setValue(s.temperature)
        self.top_p.setValue(s.top_p)
        self.top_k.setValue(s.top_k)
        self.seed.setValue(s.seed if s.fix_seed else -1)
        self.exact.blockSignals(True)
        self.exact.setChecked(s.exact)
        self.exact.blockSignals(False)
        self._update_visibility()

    def set_load_state(self, state: str, text: str) -> None:
        self._loaded = state in ("ready", "running")
        self.status.setText(text)
        self.progress.setVisible(state == "loading")
        self.load_button.setText("Unload" if self._loaded else "Load")
        self.load_button.setEnabled(state not in ("loading", "running"))
        running = state == "running"
        for widget in (self.pair, self.target_device, self.draft_device, self.mode,
                       self.exact):
            widget.setEnabled(not running)

    def _on_pair_settings(self) -> None:
        self._update_visibility()
        self.pair_settings_changed.emit()

    def _update_visibility(self) -> None:
        mode = RunMode(self.mode.currentData())
        speculative = mode in (RunMode.SPECULATIVE_K, RunMode.AUTO, *CONFIDENCE_MODES,
                               *HYBRID_MODES)
        looks_up = mode is RunMode.PROMPT_LOOKUP or mode in HYBRID_MODES
        rows: list[tuple[QWidget, bool]] = [
            (self.k, mode in (RunMode.SPECULATIVE_K, RunMode.PROMPT_LOOKUP, RunMode.HYBRID)),
            (self.confidence, mode in CONFIDENCE_MODES),
            (self.ngram, looks_up),
            (self.draft_device, speculative),
        ]
        rows += [(w, self.sample.isChecked()) for w in self.sampling_rows]
        for widget, shown in rows:
            self.form.setRowVisible(widget, shown)

    def toggle_load(self) -> None:
        (self.unload_clicked if self._loaded else self.load_clicked).emit()


def _spin(lo: int, hi: int, value: int) -> QSpinBox:
    box = QSpinBox()
    box.setRange(lo, hi)
    box.setValue(value)
    return box


def _dspin(lo: float, hi: float, value: float, step: float) -> QDoubleSpinBox:
    box = QDoubleSpinBox()
    box.setRange(lo, hi)
    box.setSingleStep(step)
    box.setDecimals(2)
    box.setValue(value)
    return box
