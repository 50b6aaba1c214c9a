"""Small pieces of the transcript: muted lines, summaries, header links, block resets."""

from __future__ import annotations

from PySide6.QtGui import QColor, QTextBlockFormat, QTextCharFormat, QTextCursor

from app.core.conversations import Turn
from app.ui import theme


def muted(italic: bool = False) -> QTextCharFormat:
    fmt = QTextCharFormat()
    fmt.setForeground(QColor(theme.MUTED))
    fmt.setFontPointSize(9)
    fmt.setFontItalic(italic)
    return fmt


def insert_summary(cursor: QTextCursor, turn: Turn, new_block: bool) -> None:
    summary = (turn.stats or {}).get("summary")
    if summary:
        if new_block:
            cursor.insertBlock(QTextBlockFormat(), QTextCharFormat())
        cursor.insertText(summary, muted())


def insert_links(cursor: QTextCursor, index: int, editable: bool) -> None:
    """A header's links: copy any message; edit the reader's own."""
    links = [("Copy", f"copymsg:{index}")] + ([("Edit", f"edit:{index}")] if editable else [])
    for label, href in links:
        cursor.insertText("   ", QTextCharFormat())
        link = QTextCharFormat()
        link.setAnchor(True)
        link.setAnchorHref(href)
        link.setForeground(QColor(theme.ACCENT))
        link.setFontPointSize(8.5)
        cursor.insertText(label, link)


def reset_block(cursor: QTextCursor) -> None:
    """Make the cursor's (emptied) block a plain paragraph again: not code, not a list."""
    block = cursor.block()
    text_list = block.textList()
    if text_list is not None:
        text_list.remove(block)
    cursor.setBlockFormat(QTextBlockFormat())
    cursor.setCharFormat(QTextCharFormat())
