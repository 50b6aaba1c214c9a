"""What both draft sides share: the draft's cache bookkeeping and its greedy drafting.

`draft_side.DraftSide` (a foreign vocabulary, read through bytes) and
`shared_draft.SharedDraftSide` (the target's own ids) differ only in how they bring the
draft's cache in step with the committed answer. Once it is, both draft the same way:
greedy, stopping at an end id, a special, or below the confidence threshold.
"""

from __future__ import annotations

import numpy as np

from app.core.engine.universal.runner import StatefulModel
from app.core.engine.universal.vocab import TokenBytes


class GreedyDrafter:
    """A draft model, its vocabulary, and exactly the tokens in its cache."""

    def __init__(self, model: StatefulModel, vocab: TokenBytes,
                 context_length: int | None) -> None:
        self.model = model
        self.vocab = vocab
        self.context_length = context_length
        self._prompt: list[int] = []
        self._kv: list[int] = []  # exactly the tokens in the draft's cache
        self._agreed = 0  # how much of the cache is known to equal the committed answer
        self._exhausted = False
        self.committed_tokens = 0  # draft tokens that spell the committed text

    def start(self, prompt_ids: list[int]) -> None:
        self.model.reset()
        self._prompt = list(prompt_ids)
        self._kv = []
        self._agreed = 0
        self._exhausted = False
        self.committed_tokens = 0

    def _context_full(self, cached: int, steps: int) -> bool:
        """True, from then on, once `steps` more tokens would not fit the draft's context."""
        if self.context_length is not None and cached + steps > self.context_length:
            self._exhausted = True  # plain steps from here on
        return self._exhausted

    def _draft(self, logits: np.ndarray, steps: int, threshold: float | None) -> list[int]:
        """Up to `steps` greedy ids from the last position's `logits`; each but the last is
        fed, so the cache ends one behind the proposal (the target's pass checks it)."""
        drafted: list[int] = []
        for step in range(steps):
            token = int(np.argmax(logits))
            if token == self.vocab.eos_id or token in self.vocab.special:
                break
            if threshold is not None and confidence(logits, token) < threshold:
                break
            drafted.append(token)
            if step + 1 < steps:
                logits = self.model.forward([token], rows=1)[-1]
                self._remember(token)
        return drafted

    def _remember(self, token: int) -> None:
        self._kv.append(token)


def confidence(logits: np.ndarray, token: int) -> float:
    """The softmax probability of `token`, without overflow."""
    shifted = np.exp(logits - logits[token])
    return float(1.0 / shifted.sum())
