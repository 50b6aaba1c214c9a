"""CPU per core and the app's memory, refreshed on a timer (cheap psutil reads only)."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from app.core import sysinfo
from app.ui.theme import theme

REFRESH_MS = 1000


class SystemPanel(QFrame):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("Panel")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 12)
        layout.setSpacing(6)
        header = QHBoxLayout()
        title = QLabel("System")
        title.setObjectName("PanelTitle")
        self.memory = QLabel("—")
        self.memory.setObjectName("Muted")
        header.addWidget(title)
        header.addStretch(1)
        header.addWidget(self.memory)
        layout.addLayout(header)
        self.cpu_plot = pg.PlotWidget()
        self.cpu_plot.setFixedHeight(84)
        self.cpu_plot.setMenuEnabled(False)
        self.cpu_plot.setMouseEnabled(x=False, y=False)
        self.cpu_plot.hideButtons()
        self.cpu_plot.setYRange(0, 108, padding=0)
        self.cpu_plot.getAxis("left").setTicks([[(0, "0"), (50, "50"), (100, "100")]])
        theme.register_plot(self.cpu_plot)
        self.cpu_bars = pg.BarGraphItem(x=[], height=[], width=0.6, brush=theme.CHART_CPU,
                                        pen=None)
        self.cpu_plot.addItem(self.cpu_bars)
        layout.addWidget(self.cpu_plot)
        caption = QLabel("CPU per core (%)")
        caption.setObjectName("MetricCaption")
        layout.addWidget(caption)
        self._cores = 0
        self.timer = QTimer(self)
        self.timer.setInterval(REFRESH_MS)
        self.timer.timeout.connect(self.refresh)
        self.timer.start()
        sysinfo.cpu_percent_per_core()  # the first reading primes psutil's counters
        self.refresh()

    def refresh(self) -> None:
        cores = sysinfo.cpu_percent_per_core()
        xs = list(range(1, len(cores) + 1))
        self.cpu_bars.setOpts(x=xs, height=cores, brush=theme.CHART_CPU)
        if len(cores) != self._cores:
            # Range and ticks only when the core count changes: setting them re-renders
            # the axes, most of the chart's repaint cost (once a second, mid-answer too).
            self._cores = len(cores)
            self.cpu_plot.setXRange(0.4, len(cores) + 0.6, padding=0)
            self.cpu_plot.getAxis("bottom").setTicks([[(x, str(x)) for x in xs]])
        rss = sysinfo.process_memory_bytes() / 2**20
        free = sysinfo.available_memory_bytes() / 2**30
        text = f"app {rss:,.0f} MB · {free:.1f} GB free"
        if text != self.memory.text():
            self.memory.setText(text)
