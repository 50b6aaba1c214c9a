"""A tokenizer seen as bytes: what each token id spells, and a cached encoder.

Translating between two vocabularies happens at the byte level, because a token can end in
the middle of a UTF-8 character (byte-fallback pieces) and text cannot hold half a
character. The table comes from the tokenizer's own vocabulary: byte-level BPE pieces
arrive as raw bytes; SentencePiece pieces spell a space as U+2581 and a raw byte as
`<0xNN>`. Special tokens spell nothing, as in `decode(skip_special_tokens=True)`.

Tokenizer calls cost from 0.3 to 3 ms each here (more than a whole step may spend), so
`encode` splits text into pre-tokens the way byte-level BPE does (GPT-2's pattern; BPE
never merges across them) and encodes only pre-tokens it has not seen, in one batched
call. The split is checked against whole-text encoding at load, on probe strings; a
tokenizer that splits otherwise (SentencePiece, another pattern) gets whole-text encoding.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from pathlib import Path

import openvino_genai

_SP_SPACE = "\u2581".encode()
_SP_BYTE = re.compile(rb"^<0x([0-9A-Fa-f]{2})>$")
_CACHE_SIZE = 8192
# GPT-2's pre-tokenizer in Python's re (letters are [^\W\d_], symbols include "_").
_PRETOKEN = re.compile(
    r"'(?:[sdmt]|ll|ve|re)| ?[^\W\d_]+| ?\d+| ?(?:[^\s\w]|_)+|\s+(?!\S)|\s+")
# A fast decode is used for the visible text only when it agrees with the tokenizer's.
_DECODE_PROBES = (
    "def add(a, b):\n    return a + b\n",
    "Zürich, São Paulo — naïve café ☕ 東京 🚀",
    "many     spaces\n\n\nand blank lines   \n",
    "The quick brown fox jumps over the lazy dog. 12345 + 67890 = 80235",
    "It's my_var's value: don't (x_1 >= 10) && y != 'z'; they'll say \"ok\"!?",
    "for i in range(10):\n\tprint(i)  # tab and spaces\r\n  end",
)


def complete_utf8_length(data: bytes | bytearray) -> int:
    """Length of the longest prefix of `data` that does not end inside a UTF-8 character."""
    end = len(data)
    for back in range(1, min(4, end) + 1):
        byte = data[end - back]
        if byte < 0x80:
            return end  # ASCII: complete
        if byte >= 0xC0:  # a lead byte: is its character complete?
            need = 2 if byte < 0xE0 else 3 if byte < 0xF0 else 4
            return end if back >= need else end - back
    return end


def is_continuation(byte: int) -> bool:
    return 0x80 <= byte < 0xC0


class TokenBytes:
    """One tokenizer: id -> bytes, special ids, cached encode, exact-or-fallback decode."""

    def __init__(self, folder: Path) -> None:
        # One thread: the calls are tiny, and thread hand-offs cost more than they save.
        self.tokenizer = openvino_genai.Tokenizer(str(folder), INFERENCE_NUM_THREADS=1)
        vocab = self.tokenizer.get_vocab()
        size = max(vocab.values()) + 1
        pieces = [b""] * size
        for piece, index in vocab.items():
            pieces[index] = bytes(piece)
        sentencepiece = sum(_SP_SPACE in p for p in pieces) > size // 10
        if sentencepiece:
            pieces = [_sp_bytes(p) for p in pieces]
        decoded = self.tokenizer.decode([[i] for i in range(size)], skip_special_tokens=True)
        self.special = frozenset(i for i, (p, text) in enumerate(zip(pieces, decoded, strict=True))
                                 if p and text == "")
        self.pieces = [b"" if i in self.special else p for i, p in enumerate(pieces)]
        self.eos_id = int(self.tokenizer.get_eos_token_id())
        self._cache: OrderedDict[str, tuple[int, ...]] = OrderedDict()
        whole = [self._encode_whole([p])[0] for p in _DECODE_PROBES]
        self.exact_decode = not sentencepiece and all(
            self.fast_decode(ids) == self.tokenizer.decode(list(ids), skip_special_tokens=True)
            for ids in whole)
        self.split_pretokens = False
        self.split_pretokens = not sentencepiece and all(
            self.encode(p) == ids for p, ids in zip(_DECODE_PROBES, whole, strict=True))
        self._cache.clear()

    def cover(self, size: int) -> None:
        """Spell ids up to `size` (a model's logits may be padded past the vocabulary)."""
        if size > len(self.pieces):
            self.pieces.extend([b""] * (size - len(self.pieces)))

    def spell(self, ids: Iterable[int]) -> bytes:
        pieces = self.pieces
        return b"".join(pieces[i] for i in ids)

    def fast_decode(self, ids: Sequence[int]) -> str:
        return self.spell(ids).decode("utf-8", errors="replace")

    def decode(self, ids: Sequence[int]) -> str:
        """Visible text, as `decode(skip_special_tokens=True)` gives it."""
        if self.exact_decode:
            return self.fast_decode(ids)
        return str(self.tokenizer.decode(list(ids), skip_special_tokens=True))

    def encode(self, text: str) -> tuple[int, ...]:
        """Token ids of `text` without special tokens added."""
        pieces = _PRETOKEN.findall(text) if self.split_pretokens else [text]
        cache = self._cache
        missing = [p for p in dict.fromkeys(pieces) if p not in cache]
        if missing:
            for piece, ids in zip(missing, self._encode_whole(missing), strict=True):
                cache[piece] = ids
            while len(cache) > _CACHE_SIZE:
                cache.popitem(last=False)
        result: list[int] = []
        for piece in pieces:
            result.extend(cache[piece])
        return tuple(result)

    def _encode_whole(self, texts: list[str]) -> list[tuple[int, ...]]:
        """One tokenizer call for several texts (padding removed)."""
        encoded = self.tokenizer.encode(texts, add_special_tokens=False)
        ids = encoded.input_ids.data
        mask = encoded.attention_mask.data
        return [tuple(int(i) for i, m in zip(row, keep, strict=True) if m)
                for row, keep in zip(ids, mask, strict=True)]

    def encode_prompt(self, text: str, add_special_tokens: bool) -> list[int]:
        ids = self.tokenizer.encode(text, add_special_tokens=add_special_tokens).input_ids.data
        return [int(i) for i in ids.ravel()]


def _sp_bytes(piece: bytes) -> bytes:
    match = _SP_BYTE.match(piece)
    if match:
        return bytes([int(match.group(1), 16)])
    return piece.replace(_SP_SPACE, b" ")
