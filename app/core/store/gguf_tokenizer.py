"""Check a converted tokenizer against the GGUF file it came from.

Turning a GGUF's tokenizer into a Hugging Face one (and then into OpenVINO IR) can go
wrong without a word: transformers 5.x builds a SentencePiece-style tokenizer for some
GPT-2 BPE vocabularies, with the wrong end-of-sequence token. So every imported
tokenizer is compared with what the GGUF itself says:

- the vocabulary: every normal, control and user-defined token has the GGUF's id;
- the special ids: end of sequence, and the start token when the GGUF adds one;
- probe sentences made of words that are single tokens in the GGUF's vocabulary, so
  their exact ids are known from the GGUF alone;
- every special token the chat template writes encodes to its own id;
- plain text round-trips and never encodes to a control token.

Runs on an `openvino_genai.Tokenizer` (the runtime's own), so it checks what the
pipelines will use.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Any

from app.core.engine.tokenizer_check import PROBES
from app.core.store.gguf_file import GgufInfo

NORMAL, UNKNOWN, CONTROL, USER_DEFINED, UNUSED, BYTE = 1, 2, 3, 4, 5, 6
WORDS = ("The", "quick", "brown", "fox", "jumps", "over", "the", "lazy", "dog", "Hello",
         "world", "return", "import", "print", "class", "value", "capital", "France",
         "Paris", "water", "people", "number", "time", "house", "green", "small")
MIN_WORDS = 6


@lru_cache(maxsize=1)
def _byte_decoder() -> dict[str, int]:
    """GPT-2's byte-to-unicode table, inverted: the printable stand-in of each byte."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) \
        + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return {chr(c): b for b, c in zip(bs, cs, strict=True)}


def token_bytes(info: GgufInfo) -> list[bytes]:
    """Each GGUF token id's text as raw bytes (what a tokenizer's vocabulary maps)."""
    tokens: list[str] = list(info.metadata.get("tokenizer.ggml.tokens") or [])
    types: list[int] = list(info.metadata.get("tokenizer.ggml.token_type") or [])
    model = str(info.metadata.get("tokenizer.ggml.model", ""))
    out = []
    table = _byte_decoder()
    for i, tok in enumerate(tokens):
        kind = types[i] if i < len(types) else NORMAL
        if kind in (CONTROL, USER_DEFINED, UNUSED):
            out.append(tok.encode())
        elif model == "gpt2":
            out.append(b"".join(bytes([table[c]]) if c in table else c.encode() for c in tok))
        elif kind == BYTE and tok.startswith("<0x") and tok.endswith(">"):
            out.append(bytes([int(tok[3:-1], 16)]))
        else:
            out.append(tok.replace("▁", " ").encode())
    return out


def _encode(tokenizer: Any, text: str, special: bool = False) -> list[int]:
    ids = tokenizer.encode(text, add_special_tokens=special).input_ids.data
    return [int(i) for i in ids.ravel()]


def _add_bos(info: GgufInfo) -> bool:
    default = info.metadata.get("tokenizer.ggml.model") == "llama"
    return bool(info.metadata.get("tokenizer.ggml.add_bos_token", default))


def probe_sentence(info: GgufInfo) -> tuple[str, list[int]] | None:
    """A sentence of single-token words and its exact ids, from the GGUF's vocabulary."""
    ids = {t: i for i, t in enumerate(token_bytes(info))}
    spm = info.metadata.get("tokenizer.ggml.model") == "llama"
    prefix = spm and bool(info.metadata.get("tokenizer.ggml.add_space_prefix", True))
    words: list[str] = []
    expected: list[int] = []
    for word in WORDS:
        form = (" " if words or prefix else "") + word
        if form.encode() in ids:
            words.append(word)
            expected.append(ids[form.encode()])
    if len(words) < MIN_WORDS:
        return None
    return " ".join(words), expected


def check(info: GgufInfo, folder: Path) -> list[str]:
    """Problems with the tokenizer IR in `folder`, compared with the GGUF; empty if right."""
    import openvino_genai

    try:
        tokenizer = openvino_genai.Tokenizer(str(folder))
    except RuntimeError as exc:
        return [f"the tokenizer does not load: {str(exc).strip().splitlines()[0][:200]}"]
    return check_tokenizer(info, tokenizer)


def check_tokenizer(info: GgufInfo, tokenizer: Any) -> list[str]:
    md = info.metadata
    expected = token_bytes(info)
    if not expected:
        return ["the GGUF holds no vocabulary (tokenizer.ggml.tokens) to check against"]
    types: list[int] = list(md.get("tokenizer.ggml.token_type") or [])
    problems: list[str] = []
    vocab = {int(i): bytes(t) for t, i in tokenizer.get_vocab().items()}
    wrong = [i for i, tok in enumerate(expected)
             if (types[i] if i < len(types) else NORMAL) in (NORMAL, CONTROL, USER_DEFINED)
             and vocab.get(i) != tok]
    if wrong:
        show = ", ".join(f"{i}: {expected[i]!r} vs {vocab.get(i)!r}" for i in wrong[:3])
        problems.append(f"{len(wrong)} of {len(expected)} token ids differ from the GGUF's "
                        f"vocabulary ({show})")
    eos = md.get("tokenizer.ggml.eos_token_id")
    if eos is not None and int(tokenizer.get_eos_token_id()) != int(eos):
        problems.append(f"end-of-sequence id {tokenizer.get_eos_token_id()}, the GGUF says "
                        f"{eos} ({expected[int(eos)]!r})")
    bos = md.get("tokenizer.ggml.bos_token_id")
    first = _encode(tokenizer, "Hello", special=True)[:1]
    if _add_bos(info) and bos is not None and first != [int(bos)]:
        problems.append(f"the GGUF adds the start token {bos}; this tokenizer starts with "
                        f"{first}")
    if not _add_bos(info) and bos is not None and first == [int(bos)]:
        problems.append(f"this tokenizer adds a start token ({bos}) that the GGUF does not")
    probe = probe_sentence(info)
    if probe is not None:
        got = _encode(tokenizer, probe[0])
        if got != probe[1]:
            problems.append(f"{probe[0]!r} encodes to {got[:12]}, the GGUF's vocabulary "
                            f"gives {probe[1][:12]}")
    template = str(md.get("tokenizer.chat_template") or "")
    for i, tok in enumerate(expected):
        kind = types[i] if i < len(types) else NORMAL
        text = tok.decode(errors="replace")
        if kind == CONTROL and text and text in template:
            got = _encode(tokenizer, text)
            if got != [i]:
                problems.append(f"the chat template's {text!r} encodes to {got}, not [{i}]")
    control = {i for i, k in enumerate(types) if k == CONTROL}
    for text in PROBES:
        if "<" in text:
            continue
        ids = _encode(tokenizer, text)
        if control & set(ids):
            problems.append(f"plain text {text[:30]!r} encodes to control tokens "
                            f"{sorted(control & set(ids))[:5]}")
            continue
        back = str(tokenizer.decode(ids, skip_special_tokens=False))
        if unicodedata.normalize("NFC", back).strip() != unicodedata.normalize("NFC", text).strip():
            problems.append(f"{text[:30]!r} decodes back as {back[:30]!r}")
    return problems
