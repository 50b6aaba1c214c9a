"""Turn GenAI's streamer calls into StepEvents, one per target step.

With a draft, `write` receives one burst per target step: the last token of a burst is
the target's own, the others are draft tokens the target accepted (checked here against
the draft's own inference count, including bursts cut by max_new_tokens). Without a draft
a burst holds one token. Stop strings are matched here rather than in GenAI, because
GenAI's own matching holds tokens back and merges bursts, which would hide the step
boundaries; text that may still become a stop string is held back at character level,
so the events' texts always join to the final answer.

The streamer runs on a native thread and the library only logs exceptions raised in it,
so errors are kept and re-raised by the session after `generate` returns.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

import openvino_genai

from app.core.engine.detokenize import IncrementalDetokenizer
from app.core.engine.types import DRAFT_SOURCE, StepEvent, StepSink


def _spans(flags: Sequence[bool]) -> tuple[tuple[int, bool], ...]:
    runs: list[tuple[int, bool]] = []
    for flag in flags:
        if runs and runs[-1][1] == flag:
            runs[-1] = (runs[-1][0] + 1, flag)
        else:
            runs.append((1, flag))
    return tuple(runs)


class BurstStreamer(openvino_genai.StreamerBase):
    def __init__(self, decode: Callable[[Sequence[int]], str], sink: StepSink | None,
                 stop: threading.Event | None, stop_strings: Sequence[str] = (),
                 source: str = DRAFT_SOURCE) -> None:
        super().__init__()
        # Who supplies the candidates of the next burst (Tandem's hybrid loop sets it per
        # step; GenAI's prompt-lookup pipeline is LOOKUP_SOURCE throughout).
        self.source = source
        self._detok = IncrementalDetokenizer(decode)
        self._sink = sink
        self._stop = stop
        self._stop_strings = tuple(s for s in stop_strings if s)
        self._text = ""  # everything decoded so far
        self._from_draft: list[bool] = []  # per character of _text
        self._released = 0  # characters of _text already sent in events
        self.steps: list[StepEvent] = []
        self.error: BaseException | None = None
        self.stopped_by_user = False
        self.stop_string_hit = False

    @property
    def token_ids(self) -> list[int]:
        return self._detok.ids

    @property
    def text(self) -> str:
        return self._text[: self._released]

    def write(self, token: Any) -> openvino_genai.StreamingStatus:
        try:
            ids = [int(token)] if isinstance(token, int) else [int(t) for t in token]
            if ids and not self.stop_string_hit and not self.stopped_by_user:
                self._step(ids)
        except BaseException as exc:
            self.error = exc
            return openvino_genai.StreamingStatus.CANCEL
        if self.stop_string_hit:
            return openvino_genai.StreamingStatus.STOP
        if self._stop is not None and self._stop.is_set():
            self.stopped_by_user = True
            return openvino_genai.StreamingStatus.STOP
        return openvino_genai.StreamingStatus.RUNNING

    def end(self) -> None:
        pass

    def _step(self, ids: list[int]) -> None:
        draft_tokens = len(ids) - 1
        for position, token in enumerate(ids):
            piece = self._detok.push(token)
            self._text += piece
            self._from_draft.extend([position < draft_tokens] * len(piece))
        release_to = self._match_stop_strings()
        flags = self._from_draft[self._released : release_to]
        event = StepEvent(
            index=len(self.steps), text=self._text[self._released : release_to],
            token_ids=tuple(ids), draft_tokens=draft_tokens, timestamp=time.monotonic(),
            spans=_spans(flags), source=self.source)
        self._released = release_to
        self.steps.append(event)
        if self._sink is not None:
            self._sink(event)

    def _match_stop_strings(self) -> int:
        if not self._stop_strings:
            return len(self._text)
        longest = max(len(s) for s in self._stop_strings)
        window_start = max(0, self._released - longest)
        hits = [self._text.find(s, window_start) for s in self._stop_strings]
        hits = [h for h in hits if h >= 0]
        if hits:
            cut = min(hits)
            self._text = self._text[:cut]
            del self._from_draft[cut:]
            self.stop_string_hit = True
            return max(cut, self._released)
        # Hold back a tail that could still grow into a stop string.
        hold = 0
        for s in self._stop_strings:
            for n in range(min(len(s) - 1, len(self._text)), 0, -1):
                if self._text.endswith(s[:n]):
                    hold = max(hold, n)
                    break
        return max(self._released, len(self._text) - hold)

    def finish(self) -> StepEvent | None:
        """Release held-back text at the end of the run; returns the tail event, if any."""
        if not self.stop_string_hit:
            tail = self._detok.flush()
            self._text += tail
            self._from_draft.extend([False] * len(tail))
            self._released = min(self._released, len(self._text))
            if self._stop_strings:
                self._match_stop_strings()
        if self._released >= len(self._text):
            return None
        flags = self._from_draft[self._released :]
        event = StepEvent(index=len(self.steps), text=self._text[self._released :],
                          token_ids=(), draft_tokens=0, timestamp=time.monotonic(),
                          spans=_spans(flags), source=self.source)
        self._released = len(self._text)
        self.steps.append(event)  # the result's steps must join to its text too
        if self._sink is not None:
            self._sink(event)
        return event
