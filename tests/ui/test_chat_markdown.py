"""Markdown while the answer streams: code blocks (with pygments colours), lists and
links appear before the answer ends, draft marks and tooltips keep working, and each
batch re-renders only the answer's last block."""

from __future__ import annotations

import time

from PySide6.QtCore import QObject, QUrl, Slot
from PySide6.QtGui import QColor, QDesktopServices, QTextFormat

from app.core.conversations import Conversation, Turn
from app.core.engine import StepEvent
from app.ui.chat.chat_render import stable_end
from app.ui.chat.chat_view import ChatView

CODE = "Write a Python function to add two numbers."
PARAGRAPH = "Speculative decoding lets a **small draft** model propose tokens.\n\n"
LIST = "- first item\n- second item with `code`\n\n"
BLOCK = "```python\ndef add(a, b):\n    return a + b\n```\n\n"


def _code_blocks(view: ChatView) -> list[str]:
    found, block = [], view.document().begin()
    while block.isValid():
        fmt = block.blockFormat()
        if fmt.hasProperty(QTextFormat.Property.BlockCodeFence) or fmt.nonBreakableLines():
            found.append(block.text())
        block = block.next()
    return found


def test_code_renders_while_the_answer_streams(qtbot, make_window) -> None:
    window = make_window()
    view = window.chat_tab.chat.view
    seen: list[tuple[list[str], bool, tuple | None]] = []

    def during(_rid: int, _events: list) -> None:  # after the view took the batch
        if window.chat.pending is not None:
            first_draft = next((o for p in range(view.document().characterCount())
                                if (o := view.origin_at(p)) and o[3]), None)
            seen.append((_code_blocks(view), "```" in view.toPlainText(), first_draft))

    window.generation.steps.connect(during)
    with qtbot.waitSignal(window.chat.answer_finished, timeout=60_000) as done:
        window.chat.send(CODE)
    result = done.args[0]
    assert "```" in result.text and seen
    blocks, fences_shown, first_draft = seen[-1]
    # Before the answer ended, the code was already a code block, without its fences.
    assert any("def " in line for line in blocks) and not fences_shown
    # ... with draft marks and step origins (tooltips) on the streamed text.
    assert first_draft is not None and first_draft[0] == 1
    assert view.tooltip_at(view.cursorRect(_cursor(view, 0)).center()) is not None
    # Pygments coloured the keyword "def" (not the plain text colour).
    position = view.toPlainText().index("def ")
    cursor = _cursor(view, position + 1)
    assert cursor.charFormat().foreground().color() != QColor(view.palette().text().color())
    # Steps whose draft tokens were only markup (the fences) show no text to mark.
    assert 0 < view.tinted_token_count(1) <= (result.stats.accepted_tokens or 0)


def _cursor(view: ChatView, position: int):  # type: ignore[no-untyped-def]
    cursor = view.textCursor()
    cursor.setPosition(position)
    return cursor


def _events(text: str, size: int = 4) -> list[StepEvent]:
    events = []
    for step, i in enumerate(range(0, len(text), size)):
        piece = text[i:i + size]
        spans = ((2, True), (len(piece) - 2, False)) if len(piece) > 2 else \
            ((len(piece), False),)
        events.append(StepEvent(step, piece, (1, 2), 1, time.monotonic(), spans))
    return events


def test_each_batch_renders_only_the_last_block(qtbot) -> None:
    view = ChatView()
    qtbot.addWidget(view)
    view.resize(700, 500)
    view.show()
    conv = Conversation.new()
    conv.turns.append(Turn("user", "hi"))
    view.show_conversation(conv)
    view.begin_answer()
    text = (PARAGRAPH + LIST + BLOCK) * 12
    events = _events(text)
    longest_tail = 0
    for i in range(0, len(events), 6):
        view.append_steps(events[i:i + 6])
        streamed = view.live_text
        longest_tail = max(longest_tail, len(streamed) - stable_end(streamed))
    # The part re-rendered per batch never grew with the answer: at most one block.
    assert longest_tail <= max(len(PARAGRAPH), len(LIST), len(BLOCK))
    streamed_view = view.toPlainText()
    runs = [(n, e.index, e.draft_tokens, f) for e in events for n, f in e.spans]
    turn = Turn("assistant", text, tint=runs)
    conv.turns.append(turn)
    view.finish_answer(1, turn)
    finished = view.toPlainText()
    marked = view.tinted_steps(1)
    assert len(marked) > len(events) * 3 // 4  # the rest showed markup only
    assert finished.replace("Tandem   Copy", "Tandem").rstrip() == streamed_view.rstrip()
    assert finished.count("Copy code") == 12 and len(view.code_blocks) == 12
    # A fresh whole rendering of the same turn shows the same text.
    view.rerender()
    assert view.toPlainText().rstrip() == finished.rstrip()
    assert view.tinted_steps(1) == marked  # the same marks as streamed


class _Browser(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.opened: list[str] = []

    @Slot(QUrl)
    def open(self, url: QUrl) -> None:
        self.opened.append(url.toString())


def test_links_render_and_open_in_the_browser(qtbot) -> None:
    view = ChatView()
    qtbot.addWidget(view)
    conv = Conversation.new()
    conv.turns += [Turn("user", "links?"),
                   Turn("assistant", "See [the docs](https://docs.openvino.ai/genai) now.")]
    view.show_conversation(conv)
    anchors, block = [], view.document().begin()
    while block.isValid():
        it = block.begin()
        while not it.atEnd():
            fmt = it.fragment().charFormat()
            if fmt.isAnchor():
                anchors.append(fmt.anchorHref())
            it += 1
        block = block.next()
    assert "https://docs.openvino.ai/genai" in anchors
    browser = _Browser()
    QDesktopServices.setUrlHandler("https", browser, "open")
    try:
        view.anchorClicked.emit(QUrl("https://docs.openvino.ai/genai"))
    finally:
        QDesktopServices.unsetUrlHandler("https")
    assert browser.opened == ["https://docs.openvino.ai/genai"]


def test_stable_end_skips_blank_lines_inside_code() -> None:
    text = "a\n\n```py\nx = 1\n\ny = 2\n"
    assert stable_end(text) == 3  # the blank line in the open fence is not an end
    assert stable_end(text + "```\n\nmore") == len(text) + 5


def test_a_long_paragraph_streams_by_appending(qtbot) -> None:
    view = ChatView()
    qtbot.addWidget(view)
    view.resize(700, 500)
    view.show()
    conv = Conversation.new()
    conv.turns.append(Turn("user", "hi"))
    view.show_conversation(conv)
    renders: list[int] = []
    render = view.live.render

    def counting_render(*args):  # type: ignore[no-untyped-def]
        renders.append(len(view.live.text))
        render(*args)

    view.live.render = counting_render  # type: ignore[method-assign]
    view.begin_answer()
    text = ("The draft model proposes a few tokens and the target checks them in one "
            "pass, so the answer arrives sooner with the same text. ") * 20 + \
        "Some **bold** words and a [link](https://example.org) at the end."
    events = _events(text)
    batches = [events[i:i + 6] for i in range(0, len(events), 6)]
    for batch in batches:
        view.append_steps(batch)
    # Plain words were appended as they are; only markup made the tail render again.
    assert len(renders) < len(batches) // 4
    streamed = view.toPlainText()
    runs = [(n, e.index, e.draft_tokens, f) for e in events for n, f in e.spans]
    turn = Turn("assistant", text, tint=runs)
    conv.turns.append(turn)
    view.finish_answer(1, turn)
    marked = view.tinted_steps(1)
    finished = view.toPlainText()
    assert finished.replace("Tandem   Copy", "Tandem").rstrip() == streamed.rstrip()
    assert "**" not in finished and "[link]" not in finished
    view.rerender()  # the whole answer rendered at once looks the same
    assert view.toPlainText().rstrip() == finished.rstrip()
    assert view.tinted_steps(1) == marked
