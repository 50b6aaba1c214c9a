"""The Models page's widgets: the job panel, the catalog by task, the pairs on this PC."""

from __future__ import annotations

import html
import re

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.core.catalog import ModelSource
from app.core.store.overview import READY, CatalogRow, LocalRow, side_format
from app.core.store.preflight import FITS, TIGHT

CATALOG_COLUMNS = ("Pair", "Target · draft", "Weights", "Download", "RAM", "Licence",
                   "Conversion", "Status", "")
COL_RAM, COL_LICENCE, COL_CONVERSION, COL_STATUS, COL_ACTION = 4, 5, 6, 7, 8
CATALOG_WIDTHS = (282, 250, 134, 74, 104, 192, 150, 114, 96)
LOCAL_COLUMNS = ("Pair", "Status", "Size", "Where", "")
FIT_COLOURS = {FITS: "#1f7a44", TIGHT: "#9a6700"}
WONT_FIT_COLOUR = "#b3261e"
URL = re.compile(r"(https?://[^\s),;]+)")


def size_text(n: float) -> str:
    if n >= 2**30:
        return f"{n / 2**30:.1f} GB"
    if n >= 2**20:
        return f"{n / 2**20:.0f} MB"
    return f"{n / 2**10:.0f} KB"


def gb_text(gb: float) -> str:
    return f"{gb:.1f} GB" if gb >= 0.1 else f"{gb * 1024:.0f} MB"


def linkify(text: str) -> str:
    return URL.sub(r'<a href="\1">\1</a>', html.escape(text, quote=False))


def _panel(title: str) -> tuple[QFrame, QVBoxLayout]:
    frame = QFrame()
    frame.setObjectName("Panel")
    layout = QVBoxLayout(frame)
    layout.setContentsMargins(12, 10, 12, 12)
    layout.setSpacing(6)
    label = QLabel(title)
    label.setObjectName("PanelTitle")
    layout.addWidget(label)
    return frame, layout


def _buttons(*buttons: QPushButton) -> QWidget:
    box = QWidget()
    row = QHBoxLayout(box)
    row.setContentsMargins(2, 1, 2, 1)
    row.setSpacing(4)
    for button in buttons:
        row.addWidget(button)
    row.addStretch(1)
    return box


class ModelsView(QWidget):
    pull_clicked = Signal(str)  # catalog pair id
    remove_clicked = Signal(str)  # stored pair id
    verify_clicked = Signal(str)
    cancel_clicked = Signal()
    add_clicked = Signal()
    sign_in_clicked = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ChatTab")  # the window background of the theme
        outer = QVBoxLayout(self)
        outer.setContentsMargins(12, 10, 12, 12)
        outer.setSpacing(10)
        top = QHBoxLayout()
        self.disk = QLabel("")
        self.disk.setObjectName("Muted")
        self.disk.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.account = QLabel("")
        self.account.setObjectName("Muted")
        for label in (self.disk, self.account):  # a long store path must not widen the window
            label.setWordWrap(True)
        self.sign_in = QPushButton("Sign in to Hugging Face…")
        self.add = QPushButton("Add local model…")
        top.addWidget(self.disk, 1)
        top.addWidget(self.account)
        top.addWidget(self.sign_in)
        top.addWidget(self.add)
        outer.addLayout(top)
        self.message = QLabel("")
        self.message.setObjectName("ErrorBanner")
        self.message.setWordWrap(True)
        self.message.setOpenExternalLinks(True)
        self.message.setTextFormat(Qt.TextFormat.RichText)
        self.message.hide()
        outer.addWidget(self.message)
        job, job_layout = _panel("Downloads")
        self.job_title = QLabel("Nothing is downloading. Pull a pair below.")
        self.job_title.setWordWrap(True)
        self.bar = QProgressBar()
        self.bar.setRange(0, 1000)
        self.bar.setTextVisible(True)
        self.bar.setFormat("%p%")
        self.job_detail = QLabel("")
        self.job_detail.setObjectName("Muted")
        self.queue = QLabel("")
        self.queue.setObjectName("Muted")
        self.queue.hide()
        self.cancel = QPushButton("Cancel")
        self.cancel.setEnabled(False)
        row = QHBoxLayout()
        row.addWidget(self.bar, 1)
        row.addWidget(self.cancel)
        job_layout.addWidget(self.job_title)
        job_layout.addLayout(row)
        job_layout.addWidget(self.job_detail)
        job_layout.addWidget(self.queue)
        outer.addWidget(job)
        catalog, catalog_layout = _panel("Catalog")
        self.catalog = QTreeWidget()
        self.catalog.setHeaderLabels(list(CATALOG_COLUMNS))
        self.catalog.setRootIsDecorated(True)
        self.catalog.setUniformRowHeights(False)
        self.catalog.setWordWrap(False)
        self.catalog.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        catalog_layout.addWidget(self.catalog)
        local, local_layout = _panel("On this PC")
        self.local = QTreeWidget()
        self.local.setHeaderLabels(list(LOCAL_COLUMNS))
        self.local.setRootIsDecorated(False)
        self.local_empty = QLabel("No pairs pulled or added yet. The demo pair ships with "
                                  "Tandem and is always ready.")
        self.local_empty.setObjectName("Muted")
        self.local_empty.setWordWrap(True)
        local_layout.addWidget(self.local_empty)
        local_layout.addWidget(self.local, 1)
        local_layout.addStretch(0)
        split = QSplitter(Qt.Orientation.Vertical)
        split.setChildrenCollapsible(False)
        split.addWidget(catalog)
        split.addWidget(local)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        split.setSizes([600, 160])
        outer.addWidget(split, 1)
        self.cancel.clicked.connect(self.cancel_clicked)
        self.add.clicked.connect(self.add_clicked)
        self.sign_in.clicked.connect(self.sign_in_clicked)
        self.pull_buttons: dict[str, QPushButton] = {}
        self.local_buttons: dict[str, tuple[QPushButton, QPushButton]] = {}

    # -- messages -------------------------------------------------------------------------

    def show_message(self, message: str, hint: str = "", error: bool = True) -> None:
        text = f"<b>{linkify(message)}</b>" + (f"<br>{linkify(hint)}" if hint else "")
        self.message.setText(text)
        self.message.setObjectName("ErrorBanner" if error else "Muted")
        self.message.style().polish(self.message)
        self.message.show()

    def clear_message(self) -> None:
        self.message.clear()
        self.message.hide()

    def message_text(self) -> str:
        return self.message.text() if self.message.isVisible() else ""

    # -- the job panel --------------------------------------------------------------------

    def show_job(self, title: str, fraction: float | None, detail: str) -> None:
        self.job_title.setText(title)
        if fraction is None:
            self.bar.setRange(0, 0)  # busy, no known fraction
        else:
            self.bar.setRange(0, 1000)
            self.bar.setValue(int(max(0.0, min(1.0, fraction)) * 1000))
        self.job_detail.setText(detail)
        self.cancel.setEnabled(True)

    def set_queue(self, text: str) -> None:
        self.queue.setText(text)
        self.queue.setVisible(bool(text))

    def show_idle(self, title: str, done: bool = False) -> None:
        self.job_title.setText(title)
        self.bar.setRange(0, 1000)
        self.bar.setValue(1000 if done else 0)
        self.job_detail.setText("")
        self.cancel.setEnabled(False)

    # -- the lists ------------------------------------------------------------------------

    def set_catalog(self, groups: list[tuple[str, list[CatalogRow]]],
                    busy: dict[str, str]) -> None:
        self.catalog.clear()
        self.pull_buttons = {}
        for task, rows in groups:
            group = QTreeWidgetItem([task.capitalize()])
            font = group.font(0)
            font.setBold(True)
            group.setFont(0, font)
            group.setFirstColumnSpanned(True)
            self.catalog.addTopLevelItem(group)
            group.setFirstColumnSpanned(True)
            for row in rows:
                self._catalog_row(group, row, busy.get(row.pair.id, ""))
            group.setExpanded(True)
        header = self.catalog.header()
        header.setStretchLastSection(False)
        for column, width in enumerate(CATALOG_WIDTHS):
            self.catalog.setColumnWidth(column, width)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)

    def _catalog_row(self, group: QTreeWidgetItem, row: CatalogRow, busy: str) -> None:
        pair = row.pair
        name = pair.name
        if pair.universal and "universal draft" not in name:
            name += " (universal draft)"
        models = f"{pair.target.repo}\n{pair.draft.repo}"
        weights = f"{_format(pair.target)}\n{_format(pair.draft)}"
        item = QTreeWidgetItem([
            name, models, weights, gb_text(pair.download_gb),
            f"{row.fit.verdict} · {pair.ram_gb:.1f} GB", "", row.conversion,
            busy or row.status, ""])
        item.setData(COL_LICENCE, Qt.ItemDataRole.UserRole, row.licences)
        item.setToolTip(1, f"target: {pair.target.repo}\ndraft: {pair.draft.repo}")
        item.setToolTip(COL_CONVERSION, row.conversion)
        item.setData(0, Qt.ItemDataRole.UserRole, pair.id)
        item.setToolTip(0, "\n".join(filter(None, [name, pair.notes, "tasks: "
                                                    + ", ".join(pair.tasks)])))
        item.setToolTip(COL_RAM, row.fit.describe())
        item.setForeground(COL_RAM, _colour(row.fit.verdict))
        if not row.pullable and row.alternative is not None:
            item.setToolTip(COL_CONVERSION, f"{row.conversion}\nPre-converted alternative: "
                                            f"{row.alternative.name} ({row.alternative.id})")
        group.addChild(item)
        licence = QLabel(self._licence_html(row))
        licence.setOpenExternalLinks(True)
        self.catalog.setItemWidget(item, COL_LICENCE, licence)
        button = QPushButton("Pull" if not row.status.startswith("ready") else "Pull again")
        button.setObjectName(f"pull-{pair.id}")
        button.setEnabled(row.pullable and not busy)
        if pair.bundled:
            button.setToolTip("Ships with Tandem: always ready.")
        elif not row.pullable:
            alt = row.alternative
            button.setToolTip("This install cannot convert checkpoints."
                              + (f" Pull {alt.name} instead." if alt else ""))
        button.clicked.connect(lambda _c=False, pid=pair.id: self.pull_clicked.emit(pid))
        self.pull_buttons[pair.id] = button
        self.catalog.setItemWidget(item, COL_ACTION, _buttons(button))

    @staticmethod
    def _licence_html(row: CatalogRow) -> str:
        text = html.escape(row.licences)
        if row.pair.gated:
            return (f'{text} <a href="{row.licence_url}" style="background:#fff4ce;'
                    f'color:#7a4b00;text-decoration:none">&nbsp;gated&nbsp;</a>')
        return text

    def set_local(self, rows: list[LocalRow], busy: dict[str, str]) -> None:
        self.local.clear()
        self.local_buttons = {}
        self.local_empty.setVisible(not rows)
        self.local.setVisible(bool(rows))
        for row in rows:
            status = busy.get(row.id) or row.state + (f" ({row.why})" if row.why else "")
            if row.universal and row.state == READY:
                status += " · universal draft"
            item = QTreeWidgetItem([row.name, status, size_text(row.size_bytes),
                                    str(row.location), ""])
            item.setData(0, Qt.ItemDataRole.UserRole, row.id)
            item.setToolTip(0, f"{row.id} ({row.origin}; tokenizers {row.tokenizers})")
            item.setToolTip(3, str(row.location))
            if row.state != READY:
                item.setForeground(1, _colour("won't fit"))
            self.local.addTopLevelItem(item)
            verify = QPushButton("Verify")
            remove = QPushButton("Remove")
            for button in (verify, remove):
                button.setEnabled(not busy.get(row.id))
            verify.clicked.connect(lambda _c=False, pid=row.id: self.verify_clicked.emit(pid))
            remove.clicked.connect(lambda _c=False, pid=row.id: self.remove_clicked.emit(pid))
            self.local_buttons[row.id] = (verify, remove)
            self.local.setItemWidget(item, 4, _buttons(verify, remove))
        header = self.local.header()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        header.setStretchLastSection(False)

    def catalog_item(self, pair_id: str) -> QTreeWidgetItem | None:
        for i in range(self.catalog.topLevelItemCount()):
            group = self.catalog.topLevelItem(i)
            for j in range(group.childCount() if group else 0):
                child = group.child(j) if group else None
                if child is not None and child.data(0, Qt.ItemDataRole.UserRole) == pair_id:
                    return child
        return None

    def local_ids(self) -> list[str]:
        items = (self.local.topLevelItem(i) for i in range(self.local.topLevelItemCount()))
        return [str(item.data(0, Qt.ItemDataRole.UserRole)) for item in items if item]


def _format(source: ModelSource) -> str:
    return side_format(source)


def _colour(verdict: str) -> QColor:
    return QColor(FIT_COLOURS.get(verdict, WONT_FIT_COLOUR))
