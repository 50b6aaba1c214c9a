"""Incremental detokenization: text per token, never splitting a character.

Decoding a token alone is wrong for byte-level and SentencePiece vocabularies (a token
may be half a UTF-8 character, or carry a space that only shows in context). The usual
remedy, used here: decode a short window before the new token, and emit what the new
token added, holding it back while the window ends in an incomplete character.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

REPLACEMENT = "\ufffd"
# How many tokens before the frontier to re-decode for context; bounded so that each
# token costs the same however long the answer grows.
_WINDOW = 6


class IncrementalDetokenizer:
    def __init__(self, decode: Callable[[Sequence[int]], str]) -> None:
        self._decode = decode
        self._ids: list[int] = []
        self._prefix = 0  # start of the context window
        self._read = 0  # tokens whose text has been emitted

    @property
    def ids(self) -> list[int]:
        return self._ids

    def push(self, token: int) -> str:
        """Add one token; return the text it completes (may be empty)."""
        self._ids.append(token)
        before = self._decode(self._ids[self._prefix : self._read])
        after = self._decode(self._ids[self._prefix :])
        if after.endswith(REPLACEMENT) or len(after) <= len(before):
            # Incomplete character, or a token that renders as nothing yet.
            if len(self._ids) - self._read > 8:
                # Never hold back forever (a lone invalid byte): emit what we have.
                return self._advance(before, after)
            return ""
        return self._advance(before, after)

    def flush(self) -> str:
        """At the end of a run: emit whatever is still held back."""
        if self._read == len(self._ids):
            return ""
        before = self._decode(self._ids[self._prefix : self._read])
        after = self._decode(self._ids[self._prefix :])
        return self._advance(before, after)

    def _advance(self, before: str, after: str) -> str:
        # Normally `after` extends `before`; after a forced release of a broken byte it may
        # not, and then only what follows the common prefix is new.
        same = next((i for i, (a, b) in enumerate(zip(before, after, strict=False)) if a != b),
                    min(len(before), len(after)))
        delta = after[same:]
        self._read = len(self._ids)
        self._prefix = max(0, self._read - _WINDOW)
        return delta
