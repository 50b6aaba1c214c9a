"""The chat transcript: past turns as Markdown, the live answer streamed with draft tints.

History is re-rendered whole when it changes (conversations are short); the live answer
is appended step by step at the end with plain character formats, which is cheap.
Hovering a character shows its target step and how many draft tokens that step accepted.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QEvent, QPoint, QUrl, Signal
from PySide6.QtGui import (
    QColor,
    QGuiApplication,
    QHelpEvent,
    QTextBlockFormat,
    QTextCharFormat,
    QTextCursor,
)
from PySide6.QtWidgets import QTextBrowser, QToolTip, QWidget

from app.core.conversations import Conversation, TintRun, Turn
from app.core.engine import StepEvent
from app.ui import theme
from app.ui.chat_render import (
    PROP_ANSWER,
    PROP_DRAFT_TOKENS,
    PROP_FROM_DRAFT,
    PROP_STEP,
    CharOrigin,
    insert_answer_markdown,
    tint_format,
)
from app.ui.chat_text import SUGGESTIONS, runs_from_event, step_tooltip, welcome_html


class ChatView(QTextBrowser):
    suggestion_clicked = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ChatView")
        self.setOpenLinks(False)
        self.anchorClicked.connect(self._on_anchor)
        self.document().setDocumentMargin(14)
        font = self.font()
        font.setPointSizeF(max(font.pointSizeF(), 10.5))
        self.setFont(font)
        self.tint_on = True
        self.code_blocks: list[str] = []
        self._conversation: Conversation | None = None
        self._live_answer = -1  # answer index of the streaming answer, -1 when idle
        self._live_runs: list[TintRun] = []
        self._live_text = ""
        self._live_start = 0

    # -- whole transcript -----------------------------------------------------------------

    def show_conversation(self, conversation: Conversation | None) -> None:
        self._conversation = conversation
        self._live_answer = -1
        self.rerender()

    def rerender(self) -> None:
        self.clear()
        self.code_blocks = []
        conv = self._conversation
        if conv is None or (not conv.turns and self._live_answer < 0):
            self._show_welcome()
            return
        cursor = QTextCursor(self.document())
        for index, turn in enumerate(conv.turns):
            self._insert_turn(cursor, index, turn)
        if self._live_answer >= 0:
            self._insert_header(cursor, "Tandem", theme.ACCENT)
            self._live_start = cursor.position()
            self._insert_live(cursor, self._live_text, self._live_runs)
        self._scroll_to_end()

    def _show_welcome(self) -> None:
        self.setHtml(welcome_html())

    def _insert_header(self, cursor: QTextCursor, who: str, colour: str) -> None:
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
        cursor.insertBlock(QTextBlockFormat(), QTextCharFormat())

    def _insert_turn(self, cursor: QTextCursor, index: int, turn: Turn) -> None:
        if turn.role == "user":
            self._insert_header(cursor, "You", theme.MUTED)
            block = QTextBlockFormat()
            block.setBackground(QColor(theme.USER_BUBBLE))
            block.setLeftMargin(0)
            cursor.setBlockFormat(block)
            cursor.insertText(turn.content, QTextCharFormat())
            return
        self._insert_header(cursor, "Tandem", theme.ACCENT)
        self._insert_answer(cursor, index, turn)

    def _insert_answer(self, cursor: QTextCursor, index: int, turn: Turn) -> None:
        insert_answer_markdown(cursor, turn.content, turn.tint, index, self.tint_on,
                               self.code_blocks)
        summary = (turn.stats or {}).get("summary")
        if summary:
            cursor.insertBlock(QTextBlockFormat(), QTextCharFormat())
            fmt = QTextCharFormat()
            fmt.setForeground(QColor(theme.MUTED))
            fmt.setFontPointSize(9)
            cursor.insertText(summary, fmt)

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
        self._scroll_to_end()

    def begin_answer(self) -> None:
        assert self._conversation is not None
        self._live_answer = len(self._conversation.turns)
        self._live_runs = []
        self._live_text = ""
        cursor = QTextCursor(self.document())
        cursor.movePosition(QTextCursor.MoveOperation.End)
        self._insert_header(cursor, "Tandem", theme.ACCENT)
        self._live_start = cursor.position()
        self._scroll_to_end()

    def finish_answer(self, index: int, turn: Turn) -> None:
        """Replace the streamed answer with its Markdown rendering and summary line."""
        cursor = QTextCursor(self.document())
        cursor.setPosition(self._live_start)
        cursor.movePosition(QTextCursor.MoveOperation.End, QTextCursor.MoveMode.KeepAnchor)
        cursor.removeSelectedText()
        self._live_answer = -1
        self._insert_answer(cursor, index, turn)
        self._scroll_to_end()

    def append_steps(self, events: Sequence[StepEvent]) -> None:
        cursor = QTextCursor(self.document())
        cursor.movePosition(QTextCursor.MoveOperation.End)
        text, runs = "", []
        for event in events:
            runs += runs_from_event(event)
            text += event.text
        self._live_text += text
        self._live_runs += runs
        self._insert_live(cursor, text, runs)
        self._scroll_to_end()

    def _insert_live(self, cursor: QTextCursor, text: str, runs: Sequence[TintRun]) -> None:
        pos = 0
        for length, step, draft_tokens, from_draft in runs:
            fmt = tint_format(self._live_answer, CharOrigin(step, draft_tokens, from_draft),
                              self.tint_on)
            cursor.insertText(text[pos : pos + length], fmt)
            pos += length

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
                        and fmt.background().color() == theme.draft_tint():
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
        kind, _, value = url.toString().partition(":")
        if kind == "copy" and value.isdigit() and int(value) < len(self.code_blocks):
            QGuiApplication.clipboard().setText(self.code_blocks[int(value)])
        elif kind == "suggest" and value.isdigit():
            self.suggestion_clicked.emit(SUGGESTIONS[int(value)])

    def _scroll_to_end(self) -> None:
        bar = self.verticalScrollBar()
        bar.setValue(bar.maximum())
