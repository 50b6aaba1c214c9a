"""The draft's side of the loop when it shares the target's vocabulary: token ids, no text.

A draft with the target's tokenizer (Qwen2.5-Coder 0.5B for its 1.5B, a FastDraft for its
target) can read the target's committed token ids as they are. Going through bytes, as
`draft_side` must for a foreign vocabulary, re-encodes a window of the answer each step:
the draft then reads the answer as the tokenizer would spell that window alone, not as the
target wrote it, and it proposes worse tokens (measured on the real Qwen pair: see the
note in `loop.py`), besides the tokenizer calls. Here the draft's cache holds exactly the
prompt and the committed ids, as in GenAI's own speculative pipeline, and its proposals
are the target's candidates with no translation.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from app.core.engine.universal.greedy_draft import GreedyDrafter
from app.core.engine.universal.vocab import TokenBytes


def shares_vocabulary(target: TokenBytes, draft: TokenBytes) -> bool:
    """Whether every id spells the same bytes in both vocabularies, with the same specials
    and end id (then a draft id is a target id)."""
    size = max(len(target.pieces), len(draft.pieces))
    target.cover(size)
    draft.cover(size)
    return (target.pieces == draft.pieces and target.special == draft.special
            and target.eos_id == draft.eos_id)


class SharedDraftSide(GreedyDrafter):
    """Greedy drafting over the committed target ids; the cache follows them by trimming.
    `committed_tokens` is always the committed ids' count (one vocabulary)."""

    def propose_ids(self, committed_ids: Sequence[int], steps: int,
                    threshold: float | None = None) -> list[int]:
        """Up to `steps` draft ids after the committed ones (fewer at an end id, a special,
        or below the confidence threshold)."""
        self.committed_tokens = len(committed_ids)
        if self._exhausted or steps <= 0:
            return []
        if self._context_full(len(self._prompt) + len(committed_ids), steps):
            return []
        return self._draft(self._feed(committed_ids), steps, threshold)

    def _feed(self, committed_ids: Sequence[int]) -> np.ndarray:
        """Trim the cache to its longest prefix of prompt + committed ids, feed the rest
        (at least one id, for logits), return the last position's logits."""
        prompt, kv = self._prompt, self._kv
        base = len(prompt)
        wanted = base + len(committed_ids)
        limit = min(len(kv), wanted - 1)
        # The first `_agreed` cached ids were fed from prompt + committed ids, which only grow.
        same = min(self._agreed, limit)
        while same < limit and kv[same] == (prompt[same] if same < base
                                            else committed_ids[same - base]):
            same += 1
        self.model.trim(same)
        del kv[same:]
        rest = [*prompt[same:], *committed_ids[max(0, same - base):]]
        logits = self.model.forward(rest, rows=1)[-1]
        kv.extend(rest)
        self._agreed = wanted
        return logits

