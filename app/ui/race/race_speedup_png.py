"""A speedup chart as PNG, drawn with QPainter: one horizontal bar per speculative run,
its spread as a whisker, the analytic bound as a marker and 1.0× (plain) as a line.

Used by `tandem bench` (headless, offscreen) and by the race tab's export.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QGuiApplication,
    QImage,
    QPainter,
    QPen,
    QPolygonF,
)
from PySide6.QtWidgets import QApplication

BAR = QColor("#3b7dd8")
SLOWER = QColor("#d8693b")
BOUND = QColor("#222222")


@dataclass(frozen=True)
class SpeedupBar:
    label: str
    speedup: float
    spread: float = 0.0
    bound: float | None = None


def ensure_gui_app() -> QGuiApplication:
    """An application for painting text; offscreen when there is no display (CLI use).

    A QApplication, not a bare QGuiApplication: widgets created later in the same process
    (tests, the window) crash under a QGuiApplication.
    """
    app = QGuiApplication.instance()
    if app is not None:
        return app  # type: ignore[return-value]
    headless = sys.platform.startswith("linux") and not (
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    if headless:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    return QApplication(["tandem"])


def render_speedup_chart(path: Path, title: str, bars: list[SpeedupBar],
                         width: int = 1000) -> Path:
    ensure_gui_app()
    row_h, top, bottom, right = 26, 56, 44, 40
    font = QFont()
    font.setPixelSize(13)
    # The label column is as wide as its longest label (within a third of the image).
    widest = max([0] + [QFontMetrics(font).horizontalAdvance(b.label) for b in bars])
    left = min(max(290, widest + 24), width // 3 + 120)
    height = top + bottom + row_h * max(1, len(bars))
    image = QImage(width, height, QImage.Format.Format_ARGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setFont(font)
    top_value = max([1.5] + [b.speedup + b.spread for b in bars]
                    + [b.bound for b in bars if b.bound is not None])
    scale = (width - left - right) / (top_value * 1.08)

    def x(value: float) -> float:
        return left + value * scale

    painter.drawText(QRectF(10, 8, width - 20, 24), Qt.AlignmentFlag.AlignLeft, title)
    legend = ["bar: measured speedup"
              + (" (whisker ± spread)" if any(b.spread for b in bars) else "")]
    if any(b.bound is not None for b in bars):
        legend.append("◆ analytic bound")
    legend.append("line: plain decoding (1.0×)")
    painter.drawText(QRectF(10, 30, width - 20, 20), Qt.AlignmentFlag.AlignLeft,
                     " · ".join(legend))
    for i, bar in enumerate(bars):
        y = top + i * row_h
        painter.setPen(QColor("black"))
        painter.drawText(QRectF(8, y, left - 16, row_h), Qt.AlignmentFlag.AlignRight
                         | Qt.AlignmentFlag.AlignVCenter, bar.label)
        painter.fillRect(QRectF(x(0), y + 5, bar.speedup * scale, row_h - 10),
                         BAR if bar.speedup >= 1.0 else SLOWER)
        if bar.spread > 0:
            painter.setPen(QPen(BOUND, 1.5))
            mid = y + row_h / 2
            painter.drawLine(QPointF(x(max(0.0, bar.speedup - bar.spread)), mid),
                             QPointF(x(bar.speedup + bar.spread), mid))
        painter.setPen(QColor("black"))
        # The value sits right of the whisker and the bound marker, so nothing covers it.
        label_at = max(bar.speedup + bar.spread, bar.bound or 0.0)
        painter.drawText(QRectF(x(label_at) + 8, y, 80, row_h),
                         Qt.AlignmentFlag.AlignVCenter, f"{bar.speedup:.2f}×")
        if bar.bound is not None:
            cx, cy = x(bar.bound), y + row_h / 2
            painter.setBrush(BOUND)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.drawPolygon(QPolygonF([QPointF(cx, cy - 6), QPointF(cx + 5, cy),
                                           QPointF(cx, cy + 6), QPointF(cx - 5, cy)]))
    axis_y = top + row_h * len(bars) + 6
    painter.setPen(QPen(QColor("#888888"), 1))
    painter.drawLine(QPointF(x(0), axis_y), QPointF(width - right, axis_y))
    step = 0.5 if top_value <= 4 else 1.0
    tick = 0.0
    while tick <= top_value * 1.08:
        painter.drawText(QRectF(x(tick) - 20, axis_y + 4, 40, 18),
                         Qt.AlignmentFlag.AlignHCenter, f"{tick:g}×")
        tick += step
    painter.setPen(QPen(QColor("#444444"), 1.5, Qt.PenStyle.DashLine))
    painter.drawLine(QPointF(x(1.0), top - 4), QPointF(x(1.0), axis_y))
    painter.end()
    path.parent.mkdir(parents=True, exist_ok=True)
    if not image.save(str(path)):
        raise OSError(f"could not write {path}")
    return path
