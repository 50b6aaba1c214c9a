"""Prompt-lookup candidates for the hybrid loop: copy what followed the last n-gram before.

Code edits and summaries repeat their input: when the answer's last n tokens (n = the
request's max_ngram_size down to MIN_NGRAM) occurred earlier in the prompt or the answer,
the tokens that followed are likely next, and proposing them costs no model call. The
hybrid loop asks this index first and the draft model only when nothing matches, so a step
takes its candidates from the cheapest source that has any. A 1-gram match is not used:
one token says too little, and the draft's guess is better.

The index is built as the answer grows: every n-gram that has a following token maps to
the position after its latest occurrence, so a lookup is a dictionary probe per size.
"""

from __future__ import annotations

from collections.abc import Iterable

MIN_NGRAM = 2


class NgramIndex:
    def __init__(self, prompt_ids: Iterable[int], max_ngram: int) -> None:
        self.ids: list[int] = list(prompt_ids)
        self.sizes = tuple(range(max(max_ngram, MIN_NGRAM), MIN_NGRAM - 1, -1))
        self._after: dict[int, dict[tuple[int, ...], int]] = {n: {} for n in self.sizes}
        self._indexed = 0  # positions whose preceding n-grams are in the index

    def extend(self, ids: Iterable[int]) -> None:
        self.ids.extend(ids)

    def propose(self, limit: int) -> list[int]:
        """Up to `limit` ids that followed the latest earlier occurrence of the longest
        matching suffix n-gram; [] when none matches."""
        ids = self.ids
        end = len(ids)
        for position in range(max(self._indexed, 1), end):  # ids[position] follows
            for n in self.sizes:
                if position >= n:
                    self._after[n][tuple(ids[position - n:position])] = position
        self._indexed = end
        if limit <= 0:
            return []
        for n in self.sizes:
            if end >= n:
                found = self._after[n].get(tuple(ids[end - n:]))
                if found is not None:
                    return ids[found:found + limit]
        return []
