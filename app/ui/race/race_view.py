"""The race tab's layout: settings, two live panes (plain and speculative), a shared
timeline chart and the result line. Behaviour lives in race_controller.py."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QTextCharFormat
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.ui.race.race_chart import RaceChart
from app.ui.theme import theme

DEFAULT_PROMPT = "Tell me about speculative decoding."


class RacePane(QGroupBox):
    """One side of the race: its live text and a status line."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(title, parent)
        self.text = QPlainTextEdit()
        self.text.setReadOnly(True)
        self.status = QLabel("waiting")
        self.status.setStyleSheet("font-weight: 600;")
        self.status.setWordWrap(True)  # a long status wraps instead of widening the window
        layout = QVBoxLayout(self)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.status)

    def reset(self, status: str) -> None:
        self.text.clear()
        self.status.setText(status)

    def append(self, text: str, spans: tuple[tuple[int, bool], ...] = (),
               lookup: bool = False) -> None:
        """Append text; characters that came from accepted draft tokens are tinted (in the
        lookup colour when prompt lookup supplied them)."""
        cursor = self.text.textCursor()
        cursor.movePosition(cursor.MoveOperation.End)
        plain, tinted = QTextCharFormat(), QTextCharFormat()
        theme.mark_draft(tinted, lookup=lookup)  # the same marks as in the chat
        offset = 0
        for length, from_draft in spans or ((len(text), False),):
            cursor.insertText(text[offset:offset + length], tinted if from_draft else plain)
            offset += length
        if offset < len(text):
            cursor.insertText(text[offset:], plain)
        self.text.setTextCursor(cursor)


def _combo() -> QComboBox:
    """A selector sized for about 14 characters, not for its longest item (an endpoint's
    name can be long): three of them share a row that must fit a 1280-pixel screen. It
    grows with the window; the full text shows in its open list and its tooltip."""
    combo = QComboBox()
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(14)
    combo.currentTextChanged.connect(combo.setToolTip)
    return combo


class RaceView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.pair = _combo()
        # Each side: the local pipeline (item data "") or a saved remote endpoint (its pair
        # id, "remote:<id>"). The controller fills in the endpoints.
        self.plain_side = _combo()
        self.plain_side.addItem("Local plain", "")
        self.plain_side.setToolTip("Who runs the plain side: the local target or a server")
        self.speculative_side = _combo()
        self.speculative_side.addItem("Local speculative", "")
        self.speculative_side.setToolTip(
            "Who runs the speculative side: the local pair or a server")
        self.prompt = QLineEdit(DEFAULT_PROMPT)
        self.prompt.setPlaceholderText("The prompt both sides answer")
        self.k = QSpinBox()
        self.k.setRange(1, 16)
        self.k.setValue(3)
        self.k.setPrefix("K = ")
        self.max_tokens = QSpinBox()
        self.max_tokens.setRange(8, 2048)
        self.max_tokens.setValue(128)
        self.max_tokens.setSuffix(" tokens")
        self.repeats = QSpinBox()
        self.repeats.setRange(1, 50)
        self.repeats.setValue(3)
        self.repeats.setSuffix(" rounds")
        self.simultaneous = QCheckBox("Run both at once")
        self.simultaneous.setToolTip(
            "Only when the two sides use different devices (or one side is a remote "
            "server): on one device, running both at once splits its cores and spoils "
            "the comparison.")
        self.run_button = QPushButton("Race")
        self.run_button.setDefault(True)
        self.stop_button = QPushButton("Stop")
        self.stop_button.setEnabled(False)
        self.export_button = QPushButton("Export…")
        self.export_button.setEnabled(False)
        self.plain = RacePane("Plain decoding")
        self.speculative = RacePane("Speculative decoding")
        self.chart = RaceChart()
        self.plain_curve = self.chart.plain_curve
        self.speculative_curve = self.chart.speculative_curve
        self.result = QLabel("Press Race: both sides answer the same prompt, one after the "
                             "other.")
        self.result.setObjectName("raceResult")
        self.result.setWordWrap(True)
        self.result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.result.setStyleSheet("font-size: 15px; font-weight: 600;")
        self._layout()

    def _layout(self) -> None:
        # Two rows: who races (pair, sides, settings), then what they answer and the
        # buttons; one row did not fit a 1440-pixel window with long endpoint names.
        sides = QHBoxLayout()
        sides.addWidget(QLabel("Pair"))
        sides.addWidget(self.pair, 1)
        sides.addWidget(self.plain_side, 1)
        sides.addWidget(QLabel("vs"))
        sides.addWidget(self.speculative_side, 1)
        settings: tuple[QWidget, ...] = (self.k, self.max_tokens, self.repeats,
                                         self.simultaneous)
        for widget in settings:
            sides.addWidget(widget)
        prompt = QHBoxLayout()
        prompt.addWidget(QLabel("Prompt"))
        prompt.addWidget(self.prompt, 1)
        for button in (self.run_button, self.stop_button, self.export_button):
            prompt.addWidget(button)
        panes = QHBoxLayout()
        panes.addWidget(self.plain, 1)
        panes.addWidget(self.speculative, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(sides)
        layout.addLayout(prompt)
        layout.addLayout(panes, 3)
        layout.addWidget(self.chart, 2)
        layout.addWidget(self.result)

    def set_running(self, running: bool) -> None:
        for widget in (self.pair, self.plain_side, self.speculative_side, self.prompt,
                       self.k, self.max_tokens, self.repeats, self.run_button):
            widget.setEnabled(not running)
        self.stop_button.setEnabled(running)
        self.export_button.setEnabled(not running and self.export_button.isEnabled())

    def show_curve(self, speculative: bool, points: list[tuple[float, int]]) -> None:
        self.chart.show_curve(speculative, points)
