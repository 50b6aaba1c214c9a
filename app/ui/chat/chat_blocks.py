"""Small pieces of the transcript: muted lines, summaries, header links, block resets,
and reading a character's origin back (tooltips, tests)."""

from __future__ import annotations

from PySide6.QtGui import QColor, QTextBlockFormat, QTextCharFormat, QTextCursor, QTextDocument

from app.core.conversations import Turn
from app.ui.chat.chat_render import PROP_ANSWER, PROP_DRAFT_TOKENS, PROP_ORIGIN, PROP_STEP
from app.ui.theme import theme


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


def origin_at(doc: QTextDocument, position: int) -> tuple[int, int, int, int] | None:
    """(answer, step, draft tokens, origin) of the character at a position."""
    cursor = QTextCursor(doc)
    cursor.setPosition(min(position + 1, doc.characterCount() - 1))
    fmt = cursor.charFormat()
    if not fmt.hasProperty(PROP_STEP):
        return None
    return (int(fmt.property(PROP_ANSWER)), int(fmt.property(PROP_STEP)),
            int(fmt.property(PROP_DRAFT_TOKENS)), int(fmt.property(PROP_ORIGIN)))


def tinted_steps(doc: QTextDocument, answer: int) -> dict[int, int]:
    """Steps with marked draft text in an answer, and the draft tokens each accepted."""
    steps: dict[int, int] = {}
    block = doc.begin()
    while block.isValid():
        it = block.begin()
        while not it.atEnd():
            fmt = it.fragment().charFormat()
            if fmt.hasProperty(PROP_STEP) and int(fmt.property(PROP_ANSWER)) == answer \
                    and int(fmt.property(PROP_ORIGIN)) and theme.is_draft_marked(fmt):
                steps[int(fmt.property(PROP_STEP))] = int(fmt.property(PROP_DRAFT_TOKENS))
            it += 1
        block = block.next()
    return steps
