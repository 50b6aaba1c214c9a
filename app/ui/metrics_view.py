"""Live metrics (pyqtgraph): tokens/s, acceptance, TTFT, accepted tokens per step, and
draft time against target time; the one-line summary after each answer."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QVBoxLayout, QWidget

from app.ui import theme
from app.ui.live_metrics import LiveMetrics

pg.setConfigOptions(background=theme.PANEL_BG, foreground=theme.MUTED, antialias=True)


def _plot(title: str, height: int) -> pg.PlotWidget:
    plot = pg.PlotWidget()
    plot.setFixedHeight(height)
    plot.setMenuEnabled(False)
    plot.setMouseEnabled(x=False, y=False)
    plot.hideButtons()
    plot.setTitle(f'<span style="color:{theme.MUTED}; font-size:9pt">{title}</span>')
    plot.getPlotItem().layout.setContentsMargins(2, 0, 6, 2)
    for axis in ("left", "bottom"):
        plot.getAxis(axis).setStyle(tickLength=-4)
        plot.getAxis(axis).setTextPen(theme.MUTED)
        plot.getAxis(axis).setPen(theme.BORDER)
        plot.getAxis(axis).enableAutoSIPrefix(False)
    return plot


class MetricTile(QWidget):
    def __init__(self, caption: str) -> None:
        super().__init__()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        self.value = QLabel("—")
        self.value.setObjectName("Metric")
        label = QLabel(caption)
        label.setObjectName("MetricCaption")
        layout.addWidget(self.value)
        layout.addWidget(label)

    def set(self, text: str) -> None:
        self.value.setText(text)


class MetricsView(QFrame):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("Panel")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 12)
        layout.setSpacing(8)
        title = QLabel("Live metrics")
        title.setObjectName("PanelTitle")
        layout.addWidget(title)
        grid = QGridLayout()
        grid.setHorizontalSpacing(12)
        grid.setVerticalSpacing(6)
        self.speed = MetricTile("tokens / s")
        self.accept = MetricTile("draft tokens accepted")
        self.ttft = MetricTile("time to first token")
        self.per_step = MetricTile("tokens per target step")
        for i, tile in enumerate((self.speed, self.accept, self.ttft, self.per_step)):
            grid.addWidget(tile, i // 2, i % 2)
        layout.addLayout(grid)
        self.speed_plot = _plot("tokens / s during the answer", 120)
        self.speed_curve = self.speed_plot.plot(pen=pg.mkPen(theme.CHART_SPEED, width=2))
        self.speed_plot.setLabel("bottom", "s")
        layout.addWidget(self.speed_plot)
        self.hist_plot = _plot("accepted draft tokens per target step", 120)
        self.hist_bars = pg.BarGraphItem(x=[], height=[], width=0.7,
                                         brush=theme.CHART_ACCEPT, pen=None)
        self.hist_plot.addItem(self.hist_bars)
        self.hist_plot.getAxis("bottom").setTickSpacing(1, 1)
        layout.addWidget(self.hist_plot)
        self.time_plot = _plot("inference time, whole answer (ms)", 84)
        self.time_bars = pg.BarGraphItem(x0=[0, 0], y=[1, 0], height=0.6, width=[0, 0],
                                         brushes=[theme.CHART_DRAFT, theme.CHART_TARGET],
                                         pen=None)
        self.time_plot.addItem(self.time_bars)
        self.time_plot.getAxis("left").setTicks([[(1, "draft"), (0, "target")]])
        self.time_plot.setYRange(-0.6, 1.6, padding=0)
        layout.addWidget(self.time_plot)
        self.summary = QLabel("Send a message to see what speculation buys.")
        self.summary.setObjectName("Summary")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.summary)

    def show_metrics(self, live: LiveMetrics) -> None:
        speed = live.tokens_per_second
        self.speed.set(f"{speed:.1f}" if speed is not None else "—")
        accept = live.acceptance
        self.accept.set(f"{accept * 100:.0f}%" if accept is not None else
                        ("n/a" if not live.speculative else "—"))
        ttft = live.ttft_ms
        self.ttft.set(f"{ttft:.0f} ms" if ttft is not None else "—")
        per_step = live.tokens_per_step
        self.per_step.set(f"{per_step:.2f}" if per_step is not None else "—")
        if live.speed_points:
            xs, ys = zip(*live.speed_points, strict=True)
            self.speed_curve.setData(list(xs), list(ys))
        else:
            self.speed_curve.setData([], [])
        keys = sorted(live.histogram)
        self.hist_bars.setOpts(x=keys, height=[live.histogram[k] for k in keys])
        top = max([*keys, live.k or 0, 1])
        self.hist_plot.setXRange(-0.5, top + 0.5, padding=0)
        stats = live.final
        if stats is not None and stats.draft_time_ms is not None \
                and stats.target_time_ms is not None:
            # GenAI reports each model's inference time for the whole answer.
            self.time_bars.setOpts(width=[stats.draft_time_ms, stats.target_time_ms])
        else:
            self.time_bars.setOpts(width=[0, 0])
        if stats is not None:
            self.summary.setText(stats.summary())
