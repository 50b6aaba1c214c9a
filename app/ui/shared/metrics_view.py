"""Live metrics (pyqtgraph): tokens/s, acceptance, TTFT, accepted tokens per step, and
draft time against target time; the one-line summary after each answer."""

from __future__ import annotations

import math

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from app.ui.shared.live_metrics import LiveMetrics
from app.ui.theme import theme

# Antialiasing only on the speed curve: repainting charts must stay cheap mid-run.
pg.setConfigOptions(background=theme.PANEL_BG, foreground=theme.MUTED, antialias=False)


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
        plot.getAxis(axis).enableAutoSIPrefix(False)
    theme.register_plot(plot)  # background and axis colours follow the theme
    return plot


def nice_ceiling(value: float) -> float:
    """The smallest 1, 2 or 5 times a power of ten that is at least `value`."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= value)


def _fit(plot: pg.PlotWidget, x: tuple[float, float], y: tuple[float, float]) -> None:
    """Set the view range only when it changes: a new range re-renders the axes, which
    is most of a chart's repaint cost, so ranges grow in 1-2-5 steps."""
    (x0, x1), (y0, y1) = plot.viewRange()
    if (x0, x1, y0, y1) != (*x, *y):
        plot.setRange(xRange=x, yRange=y, padding=0)


def _placeholder(plot: pg.PlotWidget, text: str) -> pg.TextItem:
    item = pg.TextItem(text, color=theme.MUTED, anchor=(0.5, 0.5))
    plot.addItem(item, ignoreBounds=True)
    return item


def _show_placeholder(plot: pg.PlotWidget, item: pg.TextItem, shown: bool) -> None:
    """Centre a hint in an empty chart (axes stay as they are: restyling them re-lays out
    the plot, which costs tens of milliseconds)."""
    item.setVisible(shown)
    if shown:
        (x0, x1), (y0, y1) = plot.viewRange()
        item.setPos((x0 + x1) / 2, (y0 + y1) / 2)


class MetricTile(QWidget):
    def __init__(self, caption: str) -> None:
        super().__init__()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        self.value = QLabel("—")
        self.value.setObjectName("Metric")
        # A fixed size, so that new figures never re-lay out the panel (and its charts).
        self.value.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
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
        self.speed_plot = _plot("tokens / s over the answer (x: seconds)", 120)
        self.speed_curve = self.speed_plot.plot(pen=pg.mkPen(theme.CHART_SPEED, width=2),
                                                antialias=True)
        # Round ranges before the first answer (not pyqtgraph's -0.5..0.5 of no data).
        self.speed_plot.setRange(xRange=(0, 10), yRange=(0, 50), padding=0)
        self.speed_wait = _placeholder(self.speed_plot, "during an answer")
        layout.addWidget(self.speed_plot)
        self.hist_plot = _plot("accepted draft tokens per target step", 120)
        self.hist_bars = pg.BarGraphItem(x=[], height=[], width=0.7,
                                         brush=theme.CHART_ACCEPT, pen=None)
        self.hist_plot.addItem(self.hist_bars)
        self.hist_plot.getAxis("bottom").setTickSpacing(1, 1)
        self.hist_plot.setRange(xRange=(-0.5, 3.5), yRange=(0, 10), padding=0)
        self.hist_wait = _placeholder(self.hist_plot, "with a draft or prompt lookup")
        layout.addWidget(self.hist_plot)
        self.time_plot = _plot("inference time, whole answer (ms)", 84)
        self.time_bars = pg.BarGraphItem(x0=[0, 0], y=[1, 0], height=0.6, width=[0, 0],
                                         brushes=[theme.CHART_DRAFT, theme.CHART_TARGET],
                                         pen=None)
        self.time_plot.addItem(self.time_bars)
        self.time_plot.getAxis("left").setTicks([[(1, "draft"), (0, "target")]])
        self.time_plot.setRange(xRange=(0, 100), yRange=(-0.6, 1.6), padding=0)
        self.time_wait = _placeholder(self.time_plot, "after an answer with a draft")
        layout.addWidget(self.time_plot)
        self.summary = QLabel("Send a message to see what speculation buys.")
        self.summary.setObjectName("Summary")
        self.summary.setWordWrap(True)
        # A fixed height: a summary that changes its line count would re-lay out the
        # panel and repaint every chart.
        self.summary.setFixedHeight(self.summary.fontMetrics().lineSpacing() * 2 + 4)
        self.summary.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.summary)
        self.show_metrics(LiveMetrics())

    def show_metrics(self, live: LiveMetrics, charts: bool = True) -> None:
        """Update the figures; with charts=False only the numbers (cheap, every batch)."""
        speed = live.tokens_per_second
        self.speed.set(f"{speed:.1f}" if speed is not None else "—")
        accept = live.acceptance
        started = live.final is not None or live.tokens > 0
        self.accept.set(f"{accept * 100:.0f}%" if accept is not None else
                        ("n/a" if started and not live.speculative else "—"))
        ttft = live.ttft_ms
        self.ttft.set(f"{ttft:.0f} ms" if ttft is not None else "—")
        per_step = live.tokens_per_step
        self.per_step.set(f"{per_step:.2f}" if per_step is not None else "—")
        if not charts:
            return
        if live.speed_points:
            xs, ys = zip(*live.speed_points, strict=True)
            self.speed_curve.setData(list(xs), list(ys))
            _fit(self.speed_plot, (0, nice_ceiling(max(xs))), (0, nice_ceiling(max(ys))))
        else:  # keep the last range: changing it re-renders the axes
            self.speed_curve.setData([], [])
        _show_placeholder(self.speed_plot, self.speed_wait, not live.speed_points)
        keys = sorted(live.histogram)
        heights = [live.histogram[k] for k in keys]
        self.hist_bars.setOpts(x=keys, height=heights)
        top = max([*keys, live.k or 0, 1])
        if keys:
            _fit(self.hist_plot, (-0.5, top + 0.5), (0, nice_ceiling(max(heights) * 1.1)))
        _show_placeholder(self.hist_plot, self.hist_wait, not keys)
        stats = live.final
        draft_ms = stats.draft_time_ms if stats is not None else None
        target_ms = stats.target_time_ms if stats is not None else None
        timed = draft_ms is not None and target_ms is not None
        if draft_ms is not None and target_ms is not None:
            # GenAI reports each model's inference time for the whole answer.
            self.time_bars.setOpts(width=[draft_ms, target_ms])
            _fit(self.time_plot, (0, nice_ceiling(max(draft_ms, target_ms, 1))), (-0.6, 1.6))
        else:
            self.time_bars.setOpts(width=[0, 0])
        _show_placeholder(self.time_plot, self.time_wait, not timed)
        if stats is not None:
            self.summary.setText(stats.summary())
