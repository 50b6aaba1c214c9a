"""The race's shared timeline: tokens over time for both sides, in ms or s with round
ticks (never pyqtgraph's "(x0.001)" prefix), and a sentence instead of empty axes."""

from __future__ import annotations

import pyqtgraph as pg

from app.ui.shared.metrics_view import nice_ceiling
from app.ui.theme import theme

EMPTY_CHART = "The timeline of both answers appears here during a race."
MS_BELOW_S = 2.0  # timelines shorter than this read in milliseconds


def time_unit(longest_s: float) -> tuple[str, float]:
    """The unit for a timeline whose longest side took `longest_s` seconds."""
    return ("ms", 1000.0) if longest_s < MS_BELOW_S else ("s", 1.0)


class RaceChart(pg.PlotWidget):
    def __init__(self) -> None:
        super().__init__()
        theme.register_plot(self)
        self.setMenuEnabled(False)
        self.setMouseEnabled(x=False, y=False)
        self.hideButtons()
        self.showGrid(x=True, y=True, alpha=0.2)
        for axis in ("left", "bottom"):
            self.getAxis(axis).enableAutoSIPrefix(False)
        self.setLabel("left", "tokens")
        self.addLegend(offset=(10, 10))
        self.plain_curve = self.plot([], [], pen=pg.mkPen(theme.CHART_PLAIN, width=2),
                                     name="plain")
        self.speculative_curve = self.plot([], [], pen=pg.mkPen(theme.CHART_SPEED, width=2),
                                           name="speculative")
        self.placeholder = pg.TextItem(EMPTY_CHART, color=theme.MUTED, anchor=(0.5, 0.5))
        self.addItem(self.placeholder, ignoreBounds=True)
        self.setMinimumHeight(180)
        self.points: dict[bool, list[tuple[float, int]]] = {False: [], True: []}
        self.unit = "ms"
        self._shown: tuple[str, bool] | None = None  # (unit, empty) on screen
        self._range: tuple[tuple[float, float], tuple[float, float]] | None = None
        theme.notifier().changed.connect(self._restyle)
        self._redraw()

    def show_curve(self, speculative: bool, points: list[tuple[float, int]]) -> None:
        self.points[speculative] = list(points)
        self._redraw()

    def clear_curves(self) -> None:
        self.points = {False: [], True: []}
        self._redraw()

    @property
    def empty(self) -> bool:
        return not any(len(p) > 1 for p in self.points.values())

    def _redraw(self) -> None:
        longest = max((p[0] for pts in self.points.values() for p in pts), default=0.0)
        unit, scale = time_unit(longest)
        for speculative, curve in ((False, self.plain_curve),
                                   (True, self.speculative_curve)):
            pts = self.points[speculative]
            curve.setData([p[0] * scale for p in pts], [p[1] for p in pts])
        empty = self.empty
        # Labels, axes and ranges change rarely: touching them re-lays out the plot, which
        # would cost tens of milliseconds on every 30 ms flush of a race.
        if (unit, empty) != self._shown:
            self.unit = unit
            self.placeholder.setVisible(empty)
            self.setLabel("bottom", f"{unit} since the prompt")  # (this shows the axis)
            for axis in ("left", "bottom"):
                self.showAxis(axis, not empty)
            self.getPlotItem().legend.setVisible(not empty)
            self._shown = (unit, empty)
        if empty:
            ranges = ((0.0, 1.0), (0.0, 1.0))
            self.placeholder.setPos(0.5, 0.5)
        else:
            tokens = max((p[1] for pts in self.points.values() for p in pts), default=1)
            ranges = ((0.0, nice_ceiling(longest * scale)),
                      (0.0, nice_ceiling(max(tokens, 1) * 1.05)))
        if ranges != self._range:
            self.setRange(xRange=ranges[0], yRange=ranges[1], padding=0)
            self._range = ranges

    def _restyle(self) -> None:
        self.plain_curve.setPen(pg.mkPen(theme.CHART_PLAIN, width=2))
        self.speculative_curve.setPen(pg.mkPen(theme.CHART_SPEED, width=2))
        self.placeholder.setColor(theme.MUTED)

