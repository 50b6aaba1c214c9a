"""The chat transcript: past turns as Markdown, the live answer streamed with draft marks.

History is re-rendered whole when it changes (conversations are short). The live answer
is rendered as Markdown while it streams, incrementally: the part before its last blank
line outside a code fence is final and rendered once; only the tail after it is rendered
again with each batch (so a batch costs the size of the last paragraph, not of the whole
answer). When the answer ends it is rendered whole once, with its summary line.
Hovering a character shows its target step and how many draft tokens that step accepted.
Every message has a Copy link; the reader's own messages also an Edit link.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QEvent, QPoint, QUrl, Signal
from PySide6.QtGui import (
    QColor,
    QDesktopServices,
    QGuiApplication,
    QHelpEvent,
    QResizeEvent,
    QTextBlockFormat,
    QTextCharFormat,
    QTextCursor,
)
from PySide6.QtWidgets import QTextBrowser, QToolTip, QWidget

from app.core.conversations import Conversation, TintRun, Turn
from app.core.engine import StepEvent
from app.ui import theme
from app.ui.chat_blocks import insert_links, insert_summary, muted, reset_block
from app.ui.chat_highlight import warm_up
from app.ui.chat_render import (
    PROP_ANSWER,
    PROP_DRAFT_TOKENS,
    PROP_FROM_DRAFT,
    PROP_STEP,
    insert_answer_markdown,
    slice_runs,
    stable_end,
)
from app.ui.chat_scroll import ScrollFollower
from app.ui.chat_text import (
    SUGGESTIONS,
    dropped_note,
    runs_from_event,
    step_tooltip,
    welcome_html,
)

WEB_SCHEMES = ("http", "https", "mailto")

class ChatView(QTextBrowser):
    suggestion_clicked = Signal(str)
    edit_requested = Signal(int)  # turn index of a user message
    copied = Signal(int)  # turn index whose text went to the clipboard

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ChatView")
        self.setOpenLinks(False)
        self.anchorClicked.connect(self._on_anchor)
        self.document().setDocumentMargin(14)
        self.document().setUndoRedoEnabled(False)  # read-only: no undo history to keep
        font = self.font()
        font.setPointSizeF(max(font.pointSizeF(), 10.5))
        self.setFont(font)
        self.tint_on = True
        self.code_blocks: list[str] = []
        self._conversation: Conversation | None = None
        self._live_answer = -1  # answer index of the streaming answer, -1 when idle
        self._live_runs: list[TintRun] = []
        self._live_text = ""
        self._live_start = 0  # where the live answer's header starts
        self._live_done = 0  # characters of the live text rendered for good
        self._tail_pos = 0  # where the rendering of the rest (the tail) starts
        self._tail_codes = 0  # code blocks before the tail
        self._live_code_base = 0  # code blocks before the live answer
        self._tail_runs: list[TintRun] = []  # the runs of the text after _live_done
        self._header_end = 0  # the end of the live answer's "Tandem" header
        self.follower = ScrollFollower(self)
        theme.notifier().changed.connect(self.rerender)

    # -- whole transcript -----------------------------------------------------------------

    def show_conversation(self, conversation: Conversation | None) -> None:
        self._conversation = conversation
        self._live_answer = -1
        self.rerender()

    def rerender(self) -> None:
        bar = self.verticalScrollBar()
        kept = None if self.follower.following else bar.value()
        self.clear()
        self.code_blocks = []
        conv = self._conversation
        if conv is None or (not conv.turns and self._live_answer < 0):
            self._show_welcome()
            return
        cursor = QTextCursor(self.document())
        cursor.beginEditBlock()  # lay out once, after the whole transcript is in
        for index, turn in enumerate(conv.turns):
            self._insert_turn(cursor, index, turn)
        if self._live_answer >= 0:
            self._start_live(cursor)
            self._render_live()
        cursor.endEditBlock()
        if kept is not None:
            bar.setValue(kept)
        self.follower.content_added()

    def _show_welcome(self) -> None:
        self.setHtml(welcome_html())

    def _insert_header(self, cursor: QTextCursor, who: str, colour: str,
                       index: int = -1) -> None:
        if cursor.position() > 0:
            cursor.insertBlock(QTextBlockFormat(), QTextCharFormat())
        block = QTextBlockFormat()
        block.setTopMargin(10)
        block.setBottomMargin(2)
        cursor.setBlockFormat(block)
        fmt = QTextCharFormat()
        fmt.setFontWeight(700)
        fmt.setForeground(QColor(colour))
        fmt.setFontPointSize(9.5)
        cursor.insertText(who, fmt)
        if index >= 0:
            insert_links(cursor, index, who == "You")
        cursor.insertBlock(QTextBlockFormat(), QTextCharFormat())

    def _insert_turn(self, cursor: QTextCursor, index: int, turn: Turn) -> None:
        if turn.role == "user":
            self._insert_header(cursor, "You", theme.MUTED, index)
            block = QTextBlockFormat()
            block.setBackground(QColor(theme.USER_BUBBLE))
            block.setLeftMargin(0)
            cursor.setBlockFormat(block)
            cursor.insertText(turn.content, QTextCharFormat())
            return
        self._insert_header(cursor, "Tandem", theme.ACCENT, index)
        self._insert_answer(cursor, index, turn)

    def _insert_answer(self, cursor: QTextCursor, index: int, turn: Turn) -> None:
        note = dropped_note(turn.stats or {})
        if note:
            cursor.insertText(note, muted(italic=True))
            cursor.insertBlock(QTextBlockFormat(), QTextCharFormat())
        insert_answer_markdown(cursor, turn.content, turn.tint, index, self.tint_on,
                               self.code_blocks)
        insert_summary(cursor, turn, new_block=True)

    # -- the live answer ------------------------------------------------------------------

    @property
    def conversation(self) -> Conversation | None:
        return self._conversation

    def adopt(self, conversation: Conversation) -> None:
        """Point at a reloaded copy of the shown conversation, without re-rendering."""
        self._conversation = conversation

    def append_turn(self, index: int, turn: Turn) -> None:
        """Add one turn at the end without re-rendering the rest (cheap during a chat)."""
        if index == 0 or self._conversation is None:
            self.rerender()
            return
        cursor = QTextCursor(self.document())
        cursor.movePosition(QTextCursor.MoveOperation.End)
        self._insert_turn(cursor, index, turn)
        self.follower.content_added()

    def begin_answer(self) -> None:
        assert self._conversation is not None
        warm_up()  # code blocks come later; the lexer is ready by then
        self._live_answer = len(self._conversation.turns)
        self._live_runs = []
        self._live_text = ""
        cursor = QTextCursor(self.document())
        cursor.movePosition(QTextCursor.MoveOperation.End)
        self._start_live(cursor)
        self.follower.content_added()

    def _start_live(self, cursor: QTextCursor) -> None:
        self._live_start = cursor.position()
        self._insert_header(cursor, "Tandem", theme.ACCENT)
        self._header_end = cursor.position() - 1  # just after the name
        self._tail_pos = cursor.position()
        self._live_done = 0
        self._tail_runs = list(self._live_runs)
        self._tail_codes = self._live_code_base = len(self.code_blocks)

    def finish_answer(self, index: int, turn: Turn) -> None:
        """End the streamed answer: render its tail for good, then add its summary line,
        its header's links and any note. The part rendered while streaming stays (it is
        final), so a long answer ends without a stall. A text that differs from what
        streamed (another instance's answer) is rendered whole instead."""
        doc = self.document()
        cursor = QTextCursor(doc)
        cursor.beginEditBlock()
        if turn.content != self._live_text:
            cursor.setPosition(self._live_start)
            cursor.movePosition(QTextCursor.MoveOperation.End,
                                QTextCursor.MoveMode.KeepAnchor)
            cursor.removeSelectedText()
            del self.code_blocks[self._live_code_base:]
            self._insert_header(cursor, "Tandem", theme.ACCENT, index)
            self._insert_answer(cursor, index, turn)
        else:
            cursor.setPosition(self._tail_pos)
            cursor.movePosition(QTextCursor.MoveOperation.End,
                                QTextCursor.MoveMode.KeepAnchor)
            cursor.removeSelectedText()
            reset_block(cursor)
            del self.code_blocks[self._tail_codes:]
            rest = self._live_text[self._live_done:]
            if rest:
                insert_answer_markdown(cursor, rest, self._tail_runs, index, self.tint_on,
                                       self.code_blocks)
            insert_summary(cursor, turn, new_block=bool(rest))
            cursor.setPosition(self._header_end)
            note = dropped_note(turn.stats or {})
            if note:  # its own line between the header and the answer
                cursor.insertBlock(QTextBlockFormat(), QTextCharFormat())
                cursor.insertText(note, muted(italic=True))
                cursor.setPosition(self._header_end)
            insert_links(cursor, index, False)
        cursor.endEditBlock()
        self._live_answer = -1
        self.follower.content_added()

    def append_steps(self, events: Sequence[StepEvent]) -> None:
        text, runs = "", []
        for event in events:
            runs += runs_from_event(event)
            text += event.text
        self._live_text += text
        self._live_runs += runs
        self._tail_runs += runs
        cursor = QTextCursor(self.document())
        cursor.beginEditBlock()  # one layout pass for the whole batch, not one per change
        self._render_live()
        cursor.endEditBlock()
        self.follower.content_added()

    def _render_live(self) -> None:
        """Render the live answer's new text: first what became final (once), then the
        tail after it (again each time; it is the last paragraph or open code block)."""
        doc = self.document()
        cursor = QTextCursor(doc)
        cursor.setPosition(self._tail_pos)
        cursor.movePosition(QTextCursor.MoveOperation.End, QTextCursor.MoveMode.KeepAnchor)
        cursor.removeSelectedText()
        reset_block(cursor)
        del self.code_blocks[self._tail_codes:]
        text, start = self._live_text, self._live_done
        done = stable_end(text, start)
        if done > start:  # runs of the tail only: a batch never walks the whole answer
            insert_answer_markdown(cursor, text[start:done],
                                   slice_runs(self._tail_runs, 0, done - start),
                                   self._live_answer, self.tint_on, self.code_blocks)
            cursor.insertBlock(QTextBlockFormat(), QTextCharFormat())
            self._tail_runs = slice_runs(self._tail_runs, done - start, len(text) - start)
            self._live_done, self._tail_pos = done, cursor.position()
            self._tail_codes = len(self.code_blocks)
        if len(text) > done:
            insert_answer_markdown(cursor, text[done:],
                                   slice_runs(self._tail_runs, 0, len(text) - done),
                                   self._live_answer, self.tint_on, self.code_blocks)

    def end_answer(self) -> None:
        self._live_answer = -1

    @property
    def live_text(self) -> str:
        return self._live_text

    @property
    def live_runs(self) -> list[TintRun]:
        return list(self._live_runs)

    def set_tint(self, on: bool) -> None:
        self.tint_on = on
        self.rerender()

    # -- inspection (tooltips, tests) -----------------------------------------------------

    def origin_at(self, position: int) -> tuple[int, int, int, bool] | None:
        """(answer, step, draft tokens, from draft) of the character at a position."""
        cursor = QTextCursor(self.document())
        cursor.setPosition(min(position + 1, self.document().characterCount() - 1))
        fmt = cursor.charFormat()
        if not fmt.hasProperty(PROP_STEP):
            return None
        return (int(fmt.property(PROP_ANSWER)), int(fmt.property(PROP_STEP)),
                int(fmt.property(PROP_DRAFT_TOKENS)), bool(fmt.property(PROP_FROM_DRAFT)))

    def tinted_steps(self, answer: int) -> dict[int, int]:
        """Steps with tinted text in an answer, and the draft tokens each accepted."""
        steps: dict[int, int] = {}
        block = self.document().begin()
        while block.isValid():
            it = block.begin()
            while not it.atEnd():
                fmt = it.fragment().charFormat()
                if fmt.hasProperty(PROP_STEP) and int(fmt.property(PROP_ANSWER)) == answer \
                        and bool(fmt.property(PROP_FROM_DRAFT)) \
                        and theme.is_draft_marked(fmt):
                    steps[int(fmt.property(PROP_STEP))] = int(fmt.property(PROP_DRAFT_TOKENS))
                it += 1
            block = block.next()
        return steps

    def tinted_token_count(self, answer: int) -> int:
        return sum(self.tinted_steps(answer).values())

    def viewportEvent(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            origin = self.origin_at(self.cursorForPosition(event.pos()).position()) \
                if self.tint_on else None
            if origin is not None:
                QToolTip.showText(event.globalPos(), step_tooltip(*origin[1:]), self)
            else:
                QToolTip.hideText()
            return True
        return super().viewportEvent(event)

    def tooltip_at(self, point: QPoint) -> str:
        origin = self.origin_at(self.cursorForPosition(point).position())
        return step_tooltip(*origin[1:]) if origin else ""

    def _on_anchor(self, url: QUrl) -> None:
        if url.scheme() in WEB_SCHEMES:
            QDesktopServices.openUrl(url)  # links in answers open in the browser
            return
        kind, _, value = url.toString().partition(":")
        turns = self._conversation.turns if self._conversation else []
        if kind == "copy" and value.isdigit() and int(value) < len(self.code_blocks):
            QGuiApplication.clipboard().setText(self.code_blocks[int(value)])
        elif kind == "suggest" and value.isdigit():
            self.suggestion_clicked.emit(SUGGESTIONS[int(value)])
        elif kind == "copymsg" and value.isdigit() and int(value) < len(turns):
            QGuiApplication.clipboard().setText(turns[int(value)].content)
            self.copied.emit(int(value))
        elif kind == "edit" and value.isdigit() and int(value) < len(turns):
            self.edit_requested.emit(int(value))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.follower.place()
