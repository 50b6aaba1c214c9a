"""Turn the draft's proposed bytes into candidate tokens in the target's vocabulary.

The proposal is encoded together with an anchor, the last few committed target tokens, so
that it is tokenized as it would be in context (a leading space or a character whose first
bytes are already committed). When the anchor comes back as the same tokens, the
candidates are what follows it. When it does not, text merged across the boundary (the
target committed "hel", the natural encoding of "hello" is one token): then the candidates
start at the first token that begins exactly at the boundary, or there are none this step.
Wrong candidates would not break exactness (the target verifies them), only waste a pass.
"""

from __future__ import annotations

from collections.abc import Sequence

from app.core.engine.universal.vocab import TokenBytes, complete_utf8_length, is_continuation

ANCHOR_TOKENS = 3
_MAX_ANCHOR = 8  # how far back to look for a character boundary


def target_candidates(vocab: TokenBytes, committed_ids: Sequence[int],
                      committed: bytes | bytearray,
                      proposal: bytes, limit: int) -> list[int]:
    """Up to `limit` target tokens that continue `committed_ids` with the draft's proposal.

    `proposal` continues the committed text's last complete character (the draft never
    sees half a character), so it first has to repeat any committed partial bytes."""
    if limit <= 0 or not proposal:
        return []
    partial = committed[complete_utf8_length(committed):]
    if not proposal.startswith(partial):
        return []
    fresh = proposal[len(partial):]
    anchor = _anchor(vocab, committed_ids)
    anchor_bytes = vocab.spell(anchor)
    combined = anchor_bytes + fresh
    combined = combined[: complete_utf8_length(combined)]
    if len(combined) <= len(anchor_bytes):
        return []
    try:
        text = combined.decode("utf-8")
    except UnicodeDecodeError:
        return []
    encoded = vocab.encode(text)
    if tuple(encoded[: len(anchor)]) == tuple(anchor):
        found = list(encoded[len(anchor):])
    else:
        found = _after_boundary(vocab, encoded, len(anchor_bytes), len(combined))
    for index, token in enumerate(found[:limit]):
        if token == vocab.eos_id or token in vocab.special:
            # An end of sequence is left to the target's own choice at that position.
            return found[:index]
    return found[:limit]


def _anchor(vocab: TokenBytes, committed_ids: Sequence[int]) -> list[int]:
    """The last committed tokens, starting on a character boundary and after any special."""
    count = min(ANCHOR_TOKENS, len(committed_ids))
    while count < min(_MAX_ANCHOR, len(committed_ids)):
        first = vocab.pieces[committed_ids[-count]]
        if first and not is_continuation(first[0]):
            break
        count += 1
    anchor = list(committed_ids[len(committed_ids) - count:])
    for index in range(len(anchor) - 1, -1, -1):
        if anchor[index] in vocab.special:
            return anchor[index + 1:]
    return anchor


def _after_boundary(vocab: TokenBytes, encoded: Sequence[int], boundary: int,
                    length: int) -> list[int]:
    # A tokenizer may add bytes in front (a SentencePiece dummy prefix): count from the end.
    spelled = [len(vocab.pieces[t]) for t in encoded]
    offset = length - sum(spelled)
    for index, size in enumerate(spelled):
        if offset == boundary:
            return list(encoded[index:])
        if offset > boundary:
            return []
        offset += size
    return []
