"""The picture of the house: app's rooms as boxes in their layers, imports as arrows.

    python -m app.devtools.import_picture docs/screenshots/import-graph.png

A room is a package one level below a layer's root (`app.ui.chat`, `app.core.engine`) or a
top-level module. Rooms stand in rows by layer, top first (`import_graph.LAYERS`, with the
window's own rows of `app/ui`: the window, the features, `shared`, then `theme` and
`workers`); an arrow means "imports", labelled with how many module imports it stands for.
Arrows that point up a row would be a layering fault and are drawn red; the counts of
circles and upward imports from `import_graph` are printed in the title.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections import Counter
from pathlib import Path

from app.devtools.import_graph import analyse, import_edges

# Rows, top first: prefixes of the rooms each row holds.
ROWS: tuple[tuple[str, ...], ...] = (
    ("app.__main__", "app.cli"),
    ("app.commands", "app.devtools", "app.selftest"),
    ("app.ui.main", "app.ui.main_window", "app.ui.help_menu", "app.ui.settings_dialog",
     "app.ui.error_dialog", "app.serve"),
    ("app.ui.chat", "app.ui.race", "app.ui.models", "app.ui.endpoints"),
    ("app.ui.shared",),
    ("app.ui.theme", "app.ui.workers"),
    ("app.core",),
    ("app.app_logging", "app.qt_platform_check", "app.startup_probe", "app.paths"),
)


def room_of(module: str, packages: frozenset[str] = frozenset()) -> str:
    """The room a module lives in: its package one level below app.ui or app.core (the
    core's single-file modules share one room), else its top-level name under app."""
    parts = module.split(".")
    if parts[:2] in (["app", "ui"], ["app", "core"]) and len(parts) > 2:
        room = ".".join(parts[:3])
        if parts[1] == "core" and packages and room not in packages:
            return "app.core.(modules)"
        return room
    return ".".join(parts[:2])


def row_of(room: str) -> int:
    """The row of a room: the longest matching prefix wins (app.ui.chat before app.ui)."""
    best, best_len = len(ROWS), -1
    for index, prefixes in enumerate(ROWS):
        for prefix in prefixes:
            if (room == prefix or room.startswith(prefix + ".")) and len(prefix) > best_len:
                best, best_len = index, len(prefix)
    return best


# Package roots (their __init__ modules) are not rooms of their own.
ROOTS = frozenset({"app", "app.ui", "app.core"})


def room_edges(edges: dict[str, set[str]]) -> Counter[tuple[str, str]]:
    """How many module imports run from each room to each other room."""
    packages = frozenset(m.rsplit(".", 1)[0] for m in edges)
    counts: Counter[tuple[str, str]] = Counter()
    for importer, imported in ((a, b) for a, bs in edges.items() for b in bs):
        pair = (room_of(importer, packages), room_of(imported, packages))
        if pair[0] != pair[1] and not ROOTS & set(pair):
            counts[pair] += 1
    return counts


def render(path: Path) -> Path:
    """Draw the picture into `path` (PNG) and return it."""
    from PySide6.QtCore import QPointF, QRectF, Qt
    from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPen

    from app.ui.race.race_speedup_png import ensure_gui_app

    ensure_gui_app()
    edges = import_edges()
    report = analyse(edges)
    counts = room_edges(edges)
    rooms = sorted({r for pair in counts for r in pair})
    rows: dict[int, list[str]] = {}
    for room in rooms:
        rows.setdefault(row_of(room), []).append(room)
    width, row_h, box_h, top = 1500, 110, 34, 60
    height = top + row_h * (max(rows) + 1) + 20
    centres: dict[str, QPointF] = {}
    for index, members in rows.items():
        step = width / (len(members) + 1)
        for i, room in enumerate(members):
            centres[room] = QPointF(step * (i + 1), top + index * row_h + box_h / 2)
    image = QImage(width, height, QImage.Format.Format_ARGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    font = QFont()
    font.setPixelSize(12)
    painter.setFont(font)
    painter.drawText(QRectF(10, 8, width - 20, 40), Qt.AlignmentFlag.AlignLeft,
                     f"app: {report.modules} modules, {report.imports} imports, "
                     f"{len(report.cycles)} circles, {len(report.upward)} imports running "
                     "back up. Boxes: rooms, by layer (top imports bottom); arrows: imports "
                     "between rooms, with their count; red: an arrow pointing up a row.")
    for (a, b), n in sorted(counts.items()):
        start, end = centres[a], centres[b]
        upward = row_of(b) < row_of(a)
        painter.setPen(QPen(QColor("#c0392b" if upward else "#8aa1b8"),
                            min(4.0, 0.6 + math.log2(1 + n) / 2)))
        painter.drawLine(start, end)
        head = end - (end - start) * (box_h / max(1.0, math.dist(
            (start.x(), start.y()), (end.x(), end.y()))))
        painter.drawEllipse(head, 3, 3)
        if n >= 5:
            painter.setPen(QColor("#555"))
            mid = (start + head) / 2
            painter.drawText(QRectF(mid.x() - 15, mid.y() - 8, 30, 16),
                             Qt.AlignmentFlag.AlignCenter, str(n))
    for room, centre in centres.items():
        label = room.removeprefix("app.")
        box = QRectF(centre.x() - 70, centre.y() - box_h / 2, 140, box_h)
        painter.setPen(QColor("#34495e"))
        painter.setBrush(QColor("#eaf2f8"))
        painter.drawRoundedRect(box, 6, 6)
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter, label)
    painter.end()
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(str(path))
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m app.devtools.import_picture")
    parser.add_argument("out", type=Path, nargs="?",
                        default=Path("docs/screenshots/import-graph.png"))
    args = parser.parse_args(argv)
    print(render(args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
