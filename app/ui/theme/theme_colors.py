"""The two palettes (light and dark): every colour the window uses, by role.

One draft tint per palette serves the chat, the race panes and the legends alike; a second
(amber) marks prompt-lookup tokens, which the context supplied rather than a draft model.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Colors:
    dark: bool
    WINDOW_BG: str
    PANEL_BG: str
    BORDER: str
    TEXT: str
    MUTED: str
    DISABLED: str
    HOVER: str
    ACCENT: str
    ACCENT_DARK: str
    ACCENT_DISABLED: str
    USER_BUBBLE: str
    CODE_BG: str
    DRAFT_TINT: str  # background of accepted draft tokens, everywhere
    DRAFT_TINT_TEXT: str  # their text on that background
    DRAFT_UNDERLINE: str  # the underline style's line (readable without the tint)
    LOOKUP_TINT: str  # background of accepted prompt-lookup tokens
    LOOKUP_TINT_TEXT: str
    LOOKUP_UNDERLINE: str  # dotted, where draft tokens are dashed (not colour-only)
    TARGET_SWATCH: str
    ERROR_BG: str
    ERROR_TEXT: str
    ERROR_BORDER: str
    PROGRESS_BG: str
    CHART_SPEED: str
    CHART_ACCEPT: str
    CHART_CPU: str
    CHART_PLAIN: str
    PYGMENTS_STYLE: str


LIGHT = Colors(
    dark=False, WINDOW_BG="#f4f5f7", PANEL_BG="#ffffff", BORDER="#dfe2e7", TEXT="#1f2328",
    MUTED="#5f6873", DISABLED="#a0a6ad", HOVER="#f1f3f6", ACCENT="#2f6fde",
    ACCENT_DARK="#2459b8", ACCENT_DISABLED="#9db8ea", USER_BUBBLE="#eef3fc",
    CODE_BG="#f3f4f6", DRAFT_TINT="#c4ecd0", DRAFT_TINT_TEXT="#0f5132",
    DRAFT_UNDERLINE="#1f9d55", LOOKUP_TINT="#fbe3b3", LOOKUP_TINT_TEXT="#6b3f00",
    LOOKUP_UNDERLINE="#c77700", TARGET_SWATCH="#ffffff", ERROR_BG="#fdecea",
    ERROR_TEXT="#8a1f17", ERROR_BORDER="#f3c2bd", PROGRESS_BG="#eef0f3",
    CHART_SPEED="#2f6fde", CHART_ACCEPT="#1f9d55", CHART_CPU="#8a63d2",
    CHART_PLAIN="#7a7f87", PYGMENTS_STYLE="default")

DARK = Colors(
    dark=True, WINDOW_BG="#1c1d20", PANEL_BG="#26282c", BORDER="#3b3e44", TEXT="#e4e6ea",
    MUTED="#a0a7b1", DISABLED="#6b7079", HOVER="#30333a", ACCENT="#5e9bff",
    ACCENT_DARK="#3f7fe8", ACCENT_DISABLED="#34486b", USER_BUBBLE="#2c3645",
    CODE_BG="#1f2124", DRAFT_TINT="#1d4d33", DRAFT_TINT_TEXT="#d3f5de",
    DRAFT_UNDERLINE="#4cc27e", LOOKUP_TINT="#4d3a14", LOOKUP_TINT_TEXT="#fde7bb",
    LOOKUP_UNDERLINE="#e7a23b", TARGET_SWATCH="#26282c", ERROR_BG="#4a2220",
    ERROR_TEXT="#ffd0cb", ERROR_BORDER="#7a3a35", PROGRESS_BG="#30333a",
    CHART_SPEED="#5e9bff", CHART_ACCEPT="#4cc27e", CHART_CPU="#a98bf0",
    CHART_PLAIN="#9aa0a8", PYGMENTS_STYLE="monokai")
