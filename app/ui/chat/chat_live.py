"""The answer being streamed into the transcript, rendered as Markdown as it arrives.

The part of the text before its last blank line outside a code fence is final: it is
rendered once. Only the tail after it (the last paragraph, list or open code block) is
rendered again with each batch, so a batch costs the size of that block, not of the whole
answer. Text that cannot change the tail's Markdown (no newline, no markup or link
characters, inside a prose paragraph or list item) is appended as it is, so a long
paragraph streams at the cost of its new words. When the answer ends, the tail is
rendered for good and the rest stays.
"""

from __future__ import annotations

from PySide6.QtGui import (
    QTextBlockFormat,
    QTextCharFormat,
    QTextCursor,
    QTextDocument,
    QTextFormat,
)

from app.core.conversations import TintRun, Turn
from app.ui.chat.chat_blocks import insert_links, insert_summary, muted, reset_block
from app.ui.chat.chat_render import (
    CharOrigin,
    insert_answer_markdown,
    slice_runs,
    stable_end,
    tint_format,
)
from app.ui.chat.chat_text import dropped_note

# Characters that may start or end Markdown markup, an entity or an autolink.
MARKUP = frozenset("*_`[]()<>#|\\!&~:@\n\r\t")
MIN_PLAIN_TAIL = 4  # a shorter tail may still become a list item or heading marker


class LiveAnswer:
    def __init__(self) -> None:
        self.answer = -1  # the answer's turn index, -1 when idle
        self.text = ""
        self.runs: list[TintRun] = []
        self.start = 0  # where its header starts
        self.header_end = 0  # just after the header's name
        self._done = 0  # characters of the text rendered for good
        self._tail_pos = 0  # where the tail's rendering starts
        self._tail_runs: list[TintRun] = []
        self._tail_codes = 0  # code blocks before the tail
        self.code_base = 0  # code blocks before the answer

    def begin(self, answer: int) -> None:
        self.answer, self.text, self.runs = answer, "", []

    def started(self, start: int, header_end: int, body: int, code_blocks: int) -> None:
        """The header is in (from `start`); the body starts at `body`."""
        self.start, self.header_end, self._tail_pos = start, header_end, body
        self._done = 0
        self._tail_runs = list(self.runs)
        self._tail_codes = self.code_base = code_blocks

    def add(self, text: str, runs: list[TintRun]) -> None:
        self.text += text
        self.runs += runs
        self._tail_runs += runs

    def append_plain(self, doc: QTextDocument, text: str, runs: list[TintRun],
                     tint_on: bool) -> bool:
        """Append `text` to the rendered tail as it is, when re-rendering the tail could
        not change how it looks; False when the tail must be rendered again."""
        tail = self.text[self._done:len(self.text) - len(text)]
        if not text or MARKUP.intersection(text) or "www" in tail[-3:] + text \
                or len(tail.strip()) < MIN_PLAIN_TAIL or tail.endswith(" "):
            return False
        cursor = QTextCursor(doc)
        cursor.movePosition(QTextCursor.MoveOperation.End)
        block = cursor.block().blockFormat()
        if block.headingLevel() or block.nonBreakableLines() \
                or block.hasProperty(QTextFormat.Property.BlockCodeFence) \
                or cursor.charFormat().fontFixedPitch():
            return False
        pos = 0
        for length, step, draft_tokens, origin in runs:
            fmt = tint_format(self.answer, CharOrigin(step, draft_tokens, origin), tint_on)
            cursor.insertText(text[pos:pos + length], fmt)
            pos += length
        return True

    def _clear_tail(self, doc: QTextDocument, code_blocks: list[str]) -> QTextCursor:
        cursor = QTextCursor(doc)
        cursor.setPosition(self._tail_pos)
        cursor.movePosition(QTextCursor.MoveOperation.End, QTextCursor.MoveMode.KeepAnchor)
        cursor.removeSelectedText()
        reset_block(cursor)
        del code_blocks[self._tail_codes:]
        return cursor

    def render(self, doc: QTextDocument, code_blocks: list[str], tint_on: bool) -> None:
        """Render what became final since the last call (once), then the tail again."""
        cursor = self._clear_tail(doc, code_blocks)
        text, start = self.text, self._done
        done = stable_end(text, start)
        if done > start:  # runs of the tail only: a batch never walks the whole answer
            insert_answer_markdown(cursor, text[start:done],
                                   slice_runs(self._tail_runs, 0, done - start),
                                   self.answer, tint_on, code_blocks)
            cursor.insertBlock(QTextBlockFormat(), QTextCharFormat())
            self._tail_runs = slice_runs(self._tail_runs, done - start, len(text) - start)
            self._done, self._tail_pos = done, cursor.position()
            self._tail_codes = len(code_blocks)
        if len(text) > done:
            insert_answer_markdown(cursor, text[done:],
                                   slice_runs(self._tail_runs, 0, len(text) - done),
                                   self.answer, tint_on, code_blocks)

    def finish(self, doc: QTextDocument, code_blocks: list[str], tint_on: bool, index: int,
               turn: Turn) -> None:
        """Render the tail for good, then the summary line, the header's links and the
        note about left-out turns (if any)."""
        cursor = self._clear_tail(doc, code_blocks)
        rest = self.text[self._done:]
        if rest:
            insert_answer_markdown(cursor, rest, self._tail_runs, index, tint_on, code_blocks)
        insert_summary(cursor, turn, new_block=bool(rest))
        cursor.setPosition(self.header_end)
        note = dropped_note(turn.stats or {})
        if note:  # its own line between the header and the answer
            cursor.insertBlock(QTextBlockFormat(), QTextCharFormat())
            cursor.insertText(note, muted(italic=True))
            cursor.setPosition(self.header_end)
        insert_links(cursor, index, False)
        self.answer = -1
