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

from PySide6.QtCore import QEvent, QPoint, QTimer, QUrl, Signal
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
from app.ui.chat.chat_blocks import (
    insert_links,
    insert_summary,
    muted,
    origin_at,
    tinted_steps,
)
from app.ui.chat.chat_highlight import warm_up
from app.ui.chat.chat_live import LiveAnswer
from app.ui.chat.chat_render import (
    insert_answer_markdown,
)
from app.ui.chat.chat_scroll import ScrollFollower
from app.ui.chat.chat_text import (
    SUGGESTIONS,
    dropped_note,
    runs_from_event,
    step_tooltip,
    welcome_html,
)
from app.ui.theme import theme

WEB_SCHEMES = ("http", "https", "mailto")
WARM_UP_AFTER_MS = 1500

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
        # Per shown turn (and the live answer): where it starts, and how many code blocks
        # come before it, so that regenerating drops the last answer without a re-render.
        self._marks: list[tuple[int, int]] = []
        self._conversation: Conversation | None = None
        self.live = LiveAnswer()  # the answer streaming in, if any
        self.follower = ScrollFollower(self)
        # Build the code lexer while the window is idle, before the first answer needs it.
        QTimer.singleShot(WARM_UP_AFTER_MS, warm_up)
        theme.notifier().changed.connect(self.rerender)

    # -- whole transcript -----------------------------------------------------------------

    def show_conversation(self, conversation: Conversation | None) -> None:
        self._conversation = conversation
        self.live.answer = -1
        self.rerender()

    def rerender(self) -> None:
        bar = self.verticalScrollBar()
        kept = None if self.follower.following else bar.value()
        self.clear()
        self.code_blocks = []
        self._marks = []
        conv = self._conversation
        if conv is None or (not conv.turns and self.live.answer < 0):
            self._show_welcome()
            return
        cursor = QTextCursor(self.document())
        cursor.beginEditBlock()  # lay out once, after the whole transcript is in
        for index, turn in enumerate(conv.turns):
            self._insert_turn(cursor, index, turn)
        if self.live.answer >= 0:
            self._start_live(cursor)
            self.live.render(self.document(), self.code_blocks, self.tint_on)
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
        self._marks.append((cursor.position(), len(self.code_blocks)))
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

    def drop_last_turn(self, conversation: Conversation) -> bool:
        """Remove the last shown turn (the answer being regenerated) without re-rendering
        the others: a long chat re-rendered whole stalled the window. False when the view
        does not show `conversation`'s turns plus that one; the caller then shows it."""
        shown = self._conversation
        if shown is None or shown.id != conversation.id or self.live.answer >= 0 \
                or len(self._marks) != len(conversation.turns) + 1:
            return False
        position, code_base = self._marks.pop()
        cursor = QTextCursor(self.document())
        cursor.beginEditBlock()
        cursor.setPosition(position)
        cursor.movePosition(QTextCursor.MoveOperation.End, QTextCursor.MoveMode.KeepAnchor)
        cursor.removeSelectedText()
        cursor.endEditBlock()
        del self.code_blocks[code_base:]
        self._conversation = conversation
        self.follower.content_added()
        return True

    def begin_answer(self) -> None:
        assert self._conversation is not None
        warm_up()  # code blocks come later; the lexer is ready by then
        self.live.begin(len(self._conversation.turns))
        cursor = QTextCursor(self.document())
        cursor.movePosition(QTextCursor.MoveOperation.End)
        self._start_live(cursor)
        self.follower.content_added()

    def _start_live(self, cursor: QTextCursor) -> None:
        start = cursor.position()
        self._marks.append((start, len(self.code_blocks)))
        self._insert_header(cursor, "Tandem", theme.ACCENT)
        self.live.started(start, cursor.position() - 1, cursor.position(),
                          len(self.code_blocks))

    def finish_answer(self, index: int, turn: Turn) -> None:
        """End the streamed answer: its tail, summary line, header links and any note.
        The part rendered while streaming stays (it is final), so a long answer ends
        without a stall. A text that differs from what streamed (another instance's
        answer) is rendered whole instead."""
        cursor = QTextCursor(self.document())
        cursor.beginEditBlock()
        if turn.content == self.live.text:
            self.live.finish(self.document(), self.code_blocks, self.tint_on, index, turn)
        else:
            cursor.setPosition(self.live.start)
            cursor.movePosition(QTextCursor.MoveOperation.End,
                                QTextCursor.MoveMode.KeepAnchor)
            cursor.removeSelectedText()
            del self.code_blocks[self.live.code_base:]
            self.live.answer = -1
            self._insert_header(cursor, "Tandem", theme.ACCENT, index)
            self._insert_answer(cursor, index, turn)
        cursor.endEditBlock()
        self.follower.content_added()

    def append_steps(self, events: Sequence[StepEvent]) -> None:
        text, runs = "", []
        for event in events:
            runs += runs_from_event(event)
            text += event.text
        self.live.add(text, runs)
        cursor = QTextCursor(self.document())
        cursor.beginEditBlock()  # one layout pass for the whole batch, not one per change
        if not self.live.append_plain(self.document(), text, runs, self.tint_on):
            self.live.render(self.document(), self.code_blocks, self.tint_on)
        cursor.endEditBlock()
        self.follower.content_added()

    def end_answer(self) -> None:
        self.live.answer = -1

    @property
    def live_text(self) -> str:
        return self.live.text

    @property
    def live_runs(self) -> list[TintRun]:
        return list(self.live.runs)

    def set_tint(self, on: bool) -> None:
        self.tint_on = on
        self.rerender()

    # -- inspection (tooltips, tests) -----------------------------------------------------

    def origin_at(self, position: int) -> tuple[int, int, int, int] | None:
        """(answer, step, draft tokens, origin) of the character at a position."""
        return origin_at(self.document(), position)

    def tinted_steps(self, answer: int) -> dict[int, int]:
        """Steps with marked draft text in an answer, and the draft tokens each accepted."""
        return tinted_steps(self.document(), answer)

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
