"""The draft's side of the loop: keep its cache in step with the committed text, then draft.

The draft reads the target's committed answer in its own vocabulary. After each target
step only a short window behind the frontier is re-encoded (a few draft tokens before the
last byte both sides agreed on), so the cost per step does not grow with the answer. The
draft's cached tokens that still spell the same bytes are kept; the rest is trimmed and
the difference fed. Drafting is greedy, so the proposals are fixed by the committed text
before the target draws anything, which the lossless sampling rule needs (see `verify`).
"""

from __future__ import annotations

from bisect import bisect_right

import numpy as np

from app.core.engine.universal.greedy_draft import GreedyDrafter
from app.core.engine.universal.runner import StatefulModel
from app.core.engine.universal.vocab import TokenBytes, complete_utf8_length, is_continuation

# Draft tokens re-encoded behind the last agreed byte: lets a word that grew across a step
# boundary ("hel" + "lo") be read in its natural tokenization ("hello").
LOOKBEHIND = 4


class DraftSide(GreedyDrafter):
    def __init__(self, model: StatefulModel, vocab: TokenBytes,
                 context_length: int | None) -> None:
        super().__init__(model, vocab, context_length)
        self._gen_bytes = bytearray()  # what the cached tokens after the prompt spell
        self._ends: list[int] = []  # byte end of each cached token after the prompt
        # `_agreed` counts bytes of `_gen_bytes` known to equal the committed text.

    def start(self, prompt_ids: list[int]) -> None:
        super().start(prompt_ids)
        self._gen_bytes = bytearray()
        self._ends = []

    def propose(self, committed: bytes | bytearray, steps: int,
                threshold: float | None = None) -> bytes:
        """Draft up to `steps` tokens after the committed text; return the whole continuation
        of its last complete character (so it may repeat a few committed bytes)."""
        if self._exhausted:
            return b""
        complete = complete_utf8_length(committed)
        full, reused = self._resync(committed, complete)
        if self._context_full(len(full), steps):
            return b""
        return self.vocab.spell(self._draft(self._feed(full, reused), steps, threshold))

    def _resync(self, committed: bytes | bytearray, complete: int) -> tuple[list[int], int]:
        """Tokens the cache should hold (the prompt, then the committed text's encoding),
        and how many of them the cache already holds unchanged."""
        gen = self._kv[len(self._prompt):]
        agreed = min(self._agreed, len(self._gen_bytes), complete)
        limit = min(len(self._gen_bytes), complete)
        while agreed < limit and self._gen_bytes[agreed] == committed[agreed]:
            agreed += 1
        keep = max(0, bisect_right(self._ends, agreed) - LOOKBEHIND)
        start = self._ends[keep - 1] if keep else 0
        while keep and start < len(committed) and is_continuation(committed[start]):
            keep -= 1
            start = self._ends[keep - 1] if keep else 0
        window = bytes(committed[start:complete]).decode("utf-8", errors="replace")
        fresh = self.vocab.encode(window) if window else ()
        self._ends = self._ends[:keep]
        del self._gen_bytes[start:]
        for token in fresh:
            self._gen_bytes += self.vocab.pieces[token]
            self._ends.append(len(self._gen_bytes))
        self._agreed = complete
        self.committed_tokens = len(self._ends)
        return self._prompt + gen[:keep] + list(fresh), len(self._prompt) + keep

    def _feed(self, full: list[int], reused: int) -> np.ndarray:
        """Trim the cache to its longest prefix of `full`, feed the rest, return last logits."""
        limit = min(len(self._kv), len(full) - 1)
        same = min(reused, limit)  # the first `reused` tokens are equal by construction
        while same < limit and self._kv[same] == full[same]:
            same += 1
        self.model.trim(same)
        logits = self.model.forward(full[same:], rows=1)[-1]
        self._kv = list(full)
        return logits

    def _remember(self, token: int) -> None:
        self._kv.append(token)
        self._gen_bytes += self.vocab.pieces[token]
        self._ends.append(len(self._gen_bytes))

