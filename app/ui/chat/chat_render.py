"""Render answers into a QTextDocument: Markdown, code blocks with a copy link, draft tints.

Tints follow the step events' character runs. Markdown rendering drops markup characters
(fences, asterisks), so the rendered text is aligned back to the source, character by
character, and each rendered character takes the tint of the source character it shows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtGui import (
    QColor,
    QTextBlock,
    QTextBlockFormat,
    QTextCharFormat,
    QTextCursor,
    QTextDocument,
    QTextFormat,
)

from app.core.conversations import ORIGIN_LOOKUP, ORIGIN_TARGET, TintRun
from app.ui.chat.chat_highlight import highlight
from app.ui.theme import theme

# Character-format properties that carry a token's origin (for tooltips and counting).
PROP_ANSWER = QTextFormat.Property.UserProperty + 1  # which answer (turn index)
PROP_STEP = QTextFormat.Property.UserProperty + 2  # target step index
PROP_DRAFT_TOKENS = QTextFormat.Property.UserProperty + 3  # draft tokens that step accepted
PROP_ORIGIN = QTextFormat.Property.UserProperty + 4  # ORIGIN_TARGET, _DRAFT or _LOOKUP
PROP_CODE_BLOCK = QTextFormat.Property.UserProperty + 5  # code block number (copy links)
ALIGN_WINDOW = 16  # how far ahead a rendered character may find its source character


@dataclass(frozen=True)
class CharOrigin:
    step: int
    draft_tokens: int
    origin: int  # ORIGIN_TARGET, ORIGIN_DRAFT or ORIGIN_LOOKUP (conversations.py)


def expand_runs(runs: Sequence[TintRun]) -> list[CharOrigin]:
    out: list[CharOrigin] = []
    for length, step, draft_tokens, origin in runs:
        out.extend([CharOrigin(step, draft_tokens, origin)] * length)
    return out


def tint_format(answer: int, origin: CharOrigin, tint_on: bool) -> QTextCharFormat:
    fmt = QTextCharFormat()
    fmt.setProperty(PROP_ANSWER, answer)
    fmt.setProperty(PROP_STEP, origin.step)
    fmt.setProperty(PROP_DRAFT_TOKENS, origin.draft_tokens)
    fmt.setProperty(PROP_ORIGIN, origin.origin)
    if tint_on and origin.origin != ORIGIN_TARGET:
        theme.mark_draft(fmt, lookup=origin.origin == ORIGIN_LOOKUP)
    return fmt


def _same(rendered: str, source: str) -> bool:
    if rendered == source:
        return True
    # Paragraph separators and soft line breaks render as U+2029 / spaces.
    return rendered in "\u2029\u2028 \n" and source in " \n\t"


def align(rendered: str, source: str) -> list[int | None]:
    """For each rendered character, the index of the source character it shows (or None)."""
    mapping: list[int | None] = []
    j = 0
    for ch in rendered:
        found = None
        for k in range(j, min(len(source), j + ALIGN_WINDOW)):
            if _same(ch, source[k]):
                found = k
                break
        mapping.append(found)
        if found is not None:
            j = found + 1
    return mapping


def slice_runs(runs: Sequence[TintRun], start: int, end: int) -> list[TintRun]:
    """The runs covering characters [start, end) of the text they describe."""
    out: list[TintRun] = []
    pos = 0
    for length, *rest in runs:
        lo, hi = max(pos, start), min(pos + length, end)
        if hi > lo:
            out.append((hi - lo, *rest))  # type: ignore[arg-type]
        pos += length
        if pos >= end:
            break
    return out


def stable_end(text: str, start: int = 0) -> int:
    """Where the finished part of a streaming answer ends: just after the last blank line
    that is outside a code fence (Markdown before it no longer changes as text arrives).
    Returns `start` when there is none."""
    best = start
    fenced = text.count("```", 0, start) % 2 == 1
    pos = start
    while True:
        fence = text.find("```", pos)
        blank = text.find("\n\n", pos)
        if blank < 0:
            return best
        if 0 <= fence < blank:
            fenced = not fenced
            pos = fence + 3
            continue
        if not fenced:
            best = blank + 2
        pos = blank + 2


def insert_markdown(cursor: QTextCursor, text: str) -> None:
    """QTextCursor.insertMarkdown, keeping the first block's own format (Qt merges the
    first inserted block into the cursor's block, which loses a code fence or a list)."""
    doc = cursor.document()
    start = cursor.position()
    cursor.insertMarkdown(text)
    first = doc.findBlock(start)
    if first.length() == 1 and start > 0 and first.next().isValid() \
            and first.next().position() <= cursor.position():
        # A list or quote starts a new block and leaves the cursor's empty one before
        # it: remove that empty block (merge it into the one above, unchanged).
        gap = QTextCursor(doc)
        gap.setPosition(start - 1)
        gap.setPosition(start, QTextCursor.MoveMode.KeepAnchor)
        gap.removeSelectedText()
        return
    head = QTextDocument()
    head.setMarkdown("\n".join(text.lstrip("\n").split("\n", 2)[:2]))
    wanted = head.begin()
    fmt = wanted.blockFormat()
    if fmt.hasProperty(QTextFormat.Property.BlockCodeFence) or fmt.headingLevel() \
            or fmt.nonBreakableLines() or fmt.hasProperty(QTextFormat.Property.BlockQuoteLevel):
        QTextCursor(first).setBlockFormat(fmt)
    if wanted.textList() is not None and first.textList() is None:
        following = first.next().textList() if first.next().isValid() else None
        if following is not None and following.format().style() == \
                wanted.textList().format().style():
            following.add(first)
        else:
            QTextCursor(first).createList(wanted.textList().format())


def insert_answer_markdown(cursor: QTextCursor, text: str, runs: Sequence[TintRun],
                           answer: int, tint_on: bool, code_blocks: list[str]) -> None:
    """Insert `text` as Markdown at the cursor, tint it, colour code blocks (pygments) and
    add a copy link under each."""
    cursor.beginEditBlock()  # one layout pass at the end, not one per format change
    try:
        _insert_answer(cursor, text, runs, answer, tint_on, code_blocks)
    finally:
        cursor.endEditBlock()


def _insert_answer(cursor: QTextCursor, text: str, runs: Sequence[TintRun],
                   answer: int, tint_on: bool, code_blocks: list[str]) -> None:
    doc = cursor.document()
    start = cursor.position()
    insert_markdown(cursor, text)
    end = cursor.position()
    origins = expand_runs(runs)
    if origins:
        sel = QTextCursor(doc)
        sel.setPosition(start)
        sel.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
        rendered = sel.selectedText()
        mapping = align(rendered, text[: len(origins)])
        _apply_tints(doc, start, mapping, origins, answer, tint_on)
    _style_code_blocks(cursor, start, code_blocks)


def _apply_tints(doc: QTextDocument, start: int, mapping: list[int | None],
                 origins: list[CharOrigin], answer: int, tint_on: bool) -> None:
    cur = QTextCursor(doc)
    i = 0
    while i < len(mapping):
        src = mapping[i]
        if src is None:
            i += 1
            continue
        origin = origins[src]
        j = i + 1
        while j < len(mapping):
            nxt = mapping[j]
            if nxt is None or origins[nxt] != origin:
                break
            j += 1
        cur.setPosition(start + i)
        cur.setPosition(start + j, QTextCursor.MoveMode.KeepAnchor)
        cur.mergeCharFormat(tint_format(answer, origin, tint_on))
        i = j


def _style_code_blocks(cursor: QTextCursor, start: int, code_blocks: list[str]) -> None:
    """Give code blocks a background and a monospace font, then a "Copy code" link below."""
    doc = cursor.document()
    block = doc.findBlock(start)
    end_pos = cursor.position()
    groups: list[list[QTextBlock]] = []
    previous_code = False
    while block.isValid() and block.position() <= end_pos:
        is_code = block.blockFormat().hasProperty(QTextFormat.Property.BlockCodeFence) or \
            block.blockFormat().nonBreakableLines()
        if is_code:
            if not previous_code:
                groups.append([])
            groups[-1].append(block)
        previous_code = is_code
        block = block.next()
    base = len(code_blocks)
    ordered = ["\n".join(b.text() for b in g) for g in groups]
    for k in range(len(groups) - 1, -1, -1):  # from the end: earlier positions stay valid
        group = groups[k]
        number = base + k
        language = str(group[0].blockFormat().property(
            QTextFormat.Property.BlockCodeLanguage) or "")
        for b in group:
            fmt = b.blockFormat()
            fmt.setBackground(QColor(theme.CODE_BG))
            fmt.setLeftMargin(8)
            fmt.setRightMargin(8)
            c = QTextCursor(b)
            c.setBlockFormat(fmt)
            c.movePosition(QTextCursor.MoveOperation.EndOfBlock,
                           QTextCursor.MoveMode.KeepAnchor)
            mono = QTextCharFormat()
            mono.setFont(theme.mono_font(10))
            mono.setProperty(PROP_CODE_BLOCK, number)
            c.mergeCharFormat(mono)
        highlight(doc, group[0].position(), ordered[k], language, theme.current.PYGMENTS_STYLE)
        link_cursor = QTextCursor(group[-1])
        link_cursor.movePosition(QTextCursor.MoveOperation.EndOfBlock)
        link_cursor.insertBlock(QTextBlockFormat(), QTextCharFormat())
        link = QTextCharFormat()
        link.setAnchor(True)
        link.setAnchorHref(f"copy:{number}")
        link.setForeground(QColor(theme.ACCENT))
        link.setFontPointSize(9)
        link_cursor.insertText("Copy code", link)
    code_blocks.extend(ordered)
    cursor.movePosition(QTextCursor.MoveOperation.End)
