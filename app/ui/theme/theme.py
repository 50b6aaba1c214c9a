"""Colours, fonts, the palette and the style sheet: one place, so every panel (and every
dialog) looks like the others, in the light and the dark theme alike.

`apply(app, choice)` takes "system" (follow the OS: Qt's colour scheme, live), "light"
or "dark". The colour names below are rebound on every change, so read them as
`theme.ACCENT` at paint time; widgets that cache colours (charts, the transcript)
re-style on `notifier().changed`. Accepted draft tokens are marked one way everywhere
(`mark_draft`): a tint, an underline (not colour-only), or both; accepted prompt-lookup
tokens the same way in their own colour (amber) and line (dotted, not dashed).
"""

from __future__ import annotations

import weakref
from dataclasses import fields
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontDatabase, QGuiApplication, QPalette, QTextCharFormat
from PySide6.QtWidgets import QApplication

from app.core.settings import DRAFT_STYLES, THEMES
from app.ui.theme.style_sheet import style_sheet
from app.ui.theme.theme_colors import DARK, LIGHT, Colors

current: Colors = LIGHT
choice = "system"
DRAFT_STYLE = "tint"
WINDOW_BG = LIGHT.WINDOW_BG
PANEL_BG = LIGHT.PANEL_BG
BORDER = LIGHT.BORDER
TEXT = LIGHT.TEXT
MUTED = LIGHT.MUTED
ACCENT = LIGHT.ACCENT
ACCENT_DARK = LIGHT.ACCENT_DARK
USER_BUBBLE = LIGHT.USER_BUBBLE
CODE_BG = LIGHT.CODE_BG
DRAFT_TINT = LIGHT.DRAFT_TINT
DRAFT_TINT_TEXT = LIGHT.DRAFT_TINT_TEXT
DRAFT_UNDERLINE = LIGHT.DRAFT_UNDERLINE
LOOKUP_TINT = LIGHT.LOOKUP_TINT
LOOKUP_TINT_TEXT = LIGHT.LOOKUP_TINT_TEXT
LOOKUP_UNDERLINE = LIGHT.LOOKUP_UNDERLINE
TARGET_SWATCH = LIGHT.TARGET_SWATCH
ERROR_BG = LIGHT.ERROR_BG
ERROR_TEXT = LIGHT.ERROR_TEXT
CHART_SPEED = LIGHT.CHART_SPEED
CHART_ACCEPT = LIGHT.CHART_ACCEPT
CHART_DRAFT = LIGHT.CHART_ACCEPT
CHART_TARGET = LIGHT.CHART_SPEED
CHART_CPU = LIGHT.CHART_CPU
CHART_PLAIN = LIGHT.CHART_PLAIN


class Notifier(QObject):
    changed = Signal()  # the palette or the draft style changed: re-style cached colours


_notifier: Notifier | None = None
_plots: weakref.WeakSet[Any] = weakref.WeakSet()
_scheme_connected = False
_applied: tuple[int, Colors] | None = None  # the application and colours last applied


def notifier() -> Notifier:
    global _notifier
    if _notifier is None:
        _notifier = Notifier()
    return _notifier


def _bind(colors: Colors) -> None:
    global current, CHART_DRAFT, CHART_TARGET
    current = colors
    values = {f.name: getattr(colors, f.name) for f in fields(colors) if f.name != "dark"}
    globals().update(values)
    CHART_DRAFT, CHART_TARGET = colors.CHART_ACCEPT, colors.CHART_SPEED


def is_dark() -> bool:
    return current.dark


def resolve(wanted: str, scheme: Qt.ColorScheme | None = None) -> Colors:
    """The palette for a choice; "system" asks Qt for the OS colour scheme."""
    if wanted == "dark":
        return DARK
    if wanted == "light":
        return LIGHT
    if scheme is None:
        scheme = QGuiApplication.styleHints().colorScheme()
    return DARK if scheme == Qt.ColorScheme.Dark else LIGHT


def palette(colors: Colors) -> QPalette:
    """A full QPalette, so that dialogs and popups Qt draws itself match the style sheet."""
    pal = QPalette()
    role = QPalette.ColorRole
    group = QPalette.ColorGroup
    for r, colour in ((role.Window, colors.WINDOW_BG), (role.WindowText, colors.TEXT),
                      (role.Base, colors.PANEL_BG), (role.AlternateBase, colors.HOVER),
                      (role.Text, colors.TEXT), (role.Button, colors.PANEL_BG),
                      (role.ButtonText, colors.TEXT), (role.BrightText, colors.ERROR_TEXT),
                      (role.Highlight, colors.ACCENT), (role.HighlightedText, "#ffffff"),
                      (role.ToolTipBase, colors.PANEL_BG), (role.ToolTipText, colors.TEXT),
                      (role.PlaceholderText, colors.MUTED), (role.Link, colors.ACCENT),
                      (role.LinkVisited, colors.ACCENT_DARK), (role.Mid, colors.BORDER),
                      (role.Light, colors.HOVER), (role.Dark, colors.BORDER),
                      (role.Midlight, colors.HOVER), (role.Shadow, "#000000")):
        pal.setColor(r, QColor(colour))
    for r in (role.WindowText, role.Text, role.ButtonText):
        pal.setColor(group.Disabled, r, QColor(colors.DISABLED))
    return pal


_FUSION_SET = "tandemFusionSet"  # a dynamic property of the QApplication


def apply(app: QApplication, wanted: str | None = None) -> None:
    """Style the application: Fusion, a 10 pt minimum font, the palette and style sheet."""
    global choice, _scheme_connected
    choice = wanted if wanted in THEMES else choice
    if not app.property(_FUSION_SET):
        # Only once per application: setting a style repolishes every widget, and with a
        # worker thread inside a signal it deadlocked (PySide keeps the GIL in setStyle).
        # `app.style().name()` cannot tell: with a style sheet set, app.style() is Qt's
        # style-sheet proxy, whose name is "".
        if app.style().name().lower() != "fusion":
            app.setStyle("Fusion")
        app.setProperty(_FUSION_SET, True)
    font = app.font()
    if font.pointSizeF() < 10:
        font.setPointSizeF(10)
        app.setFont(font)
    if not _scheme_connected:
        app.styleHints().colorSchemeChanged.connect(_on_scheme_changed)
        _scheme_connected = True
    _use(app, resolve(choice))


def _use(app: QApplication, colors: Colors) -> None:
    global _applied
    if _applied == (id(app), colors):
        # Already styled so: setting the palette and style sheet again repolishes every
        # widget of the application, which each new window would pay for nothing.
        return
    _applied = (id(app), colors)
    _bind(colors)
    app.setPalette(palette(colors))
    app.setStyleSheet(style_sheet(colors))
    for plot in list(_plots):
        style_plot(plot)
    notifier().changed.emit()


def _on_scheme_changed(scheme: Qt.ColorScheme) -> None:
    app = QApplication.instance()
    if choice == "system" and isinstance(app, QApplication):
        _use(app, resolve("system", scheme))


def set_draft_style(style: str) -> None:
    global DRAFT_STYLE
    if style in DRAFT_STYLES and style != DRAFT_STYLE:
        DRAFT_STYLE = style
        notifier().changed.emit()


def mark_draft(fmt: QTextCharFormat, lookup: bool = False) -> None:
    """Mark a character format as an accepted draft token (green, dashed) or an accepted
    prompt-lookup token (amber, dotted), in the chosen style."""
    tint, text, line = (LOOKUP_TINT, LOOKUP_TINT_TEXT, LOOKUP_UNDERLINE) if lookup \
        else (DRAFT_TINT, DRAFT_TINT_TEXT, DRAFT_UNDERLINE)
    if DRAFT_STYLE in ("tint", "both"):
        fmt.setBackground(QColor(tint))
        fmt.setForeground(QColor(text))
    if DRAFT_STYLE in ("underline", "both"):
        fmt.setUnderlineStyle(UNDERLINES[lookup])
        fmt.setUnderlineColor(QColor(line))


UNDERLINES = {False: QTextCharFormat.UnderlineStyle.DashUnderline,
              True: QTextCharFormat.UnderlineStyle.DotLine}


def is_draft_marked(fmt: QTextCharFormat) -> bool:
    """Whether a format carries either mark (draft or lookup) in the chosen style."""
    tinted = fmt.background().color() in (QColor(DRAFT_TINT), QColor(LOOKUP_TINT))
    underlined = fmt.underlineStyle() in UNDERLINES.values()
    return {"tint": tinted, "underline": underlined, "both": tinted and underlined}[
        DRAFT_STYLE]


def draft_tint() -> QColor:
    return QColor(DRAFT_TINT)


def mono_font(point_size: int = 10) -> QFont:
    font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
    font.setPointSize(point_size)
    return font


def register_plot(plot: Any) -> None:
    """Style a pyqtgraph PlotWidget now and again on every theme change."""
    _plots.add(plot)
    style_plot(plot)


def style_plot(plot: Any) -> None:
    try:
        plot.setBackground(PANEL_BG)
        for axis in ("left", "bottom"):
            plot.getAxis(axis).setPen(BORDER)
            plot.getAxis(axis).setTextPen(MUTED)
    except RuntimeError:  # the widget is gone
        _plots.discard(plot)
