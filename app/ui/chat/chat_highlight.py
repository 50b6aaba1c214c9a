"""Syntax colours for code blocks in the transcript (pygments), in the theme's style.

pygments is imported on first use (not at start-up: its style table alone takes ~25 ms)."""

from __future__ import annotations

import threading
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from PySide6.QtGui import QColor, QFont, QTextCharFormat, QTextCursor, QTextDocument

if TYPE_CHECKING:
    from pygments.lexer import Lexer


@lru_cache(maxsize=32)
def lexer_for(language: str) -> Lexer:
    from pygments.lexers import TextLexer, get_lexer_by_name
    from pygments.util import ClassNotFound

    try:
        return get_lexer_by_name(language.strip().lower() or "text", stripnl=False,
                                 ensurenl=False)
    except ClassNotFound:
        return TextLexer(stripnl=False, ensurenl=False)


_warmed = threading.Event()


def warm_up(language: str = "python") -> None:
    """Build a lexer on a background thread: pygments compiles its regular expressions on
    first use (about 250 ms for Python), which must not happen inside a streaming batch."""
    if not _warmed.is_set():
        _warmed.set()
        threading.Thread(target=lexer_for, args=(language,), daemon=True,
                         name="tandem-pygments-warm-up").start()


@lru_cache(maxsize=512)
def _format(style_name: str, token: Any) -> QTextCharFormat | None:
    from pygments.styles import get_style_by_name

    style = get_style_by_name(style_name).style_for_token(token)
    if not style["color"] and not style["bold"] and not style["italic"]:
        return None
    fmt = QTextCharFormat()
    if style["color"]:
        fmt.setForeground(QColor(f"#{style['color']}"))
    if style["bold"]:
        fmt.setFontWeight(QFont.Weight.Bold)
    if style["italic"]:
        fmt.setFontItalic(True)
    return fmt


def highlight(doc: QTextDocument, start: int, code: str, language: str,
              style_name: str) -> None:
    """Colour `code`, which the document shows from position `start` (block separators
    count as one character, like the "\\n" joining the code's lines)."""
    cursor = QTextCursor(doc)
    offset = 0
    for token, value in lexer_for(language).get_tokens(code):
        fmt = _format(style_name, token)
        if fmt is not None and value.strip():
            cursor.setPosition(start + offset)
            cursor.setPosition(start + offset + len(value), QTextCursor.MoveMode.KeepAnchor)
            cursor.mergeCharFormat(fmt)
        offset += len(value)
