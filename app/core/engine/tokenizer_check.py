"""A stricter tokenizer comparison than OpenVINO GenAI's own.

GenAI compares one sentence's token count and the BOS/EOS/PAD ids; a draft whose
vocabulary differs can load and then never be accepted. Tandem compares vocabulary size,
special ids and the exact encodings of probe strings chosen to expose the usual
differences: code indentation, Unicode split across bytes, whitespace runs, chat markup.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

PROBES: tuple[str, ...] = (
    "def add(a, b):\n    return a + b\n",
    "for i in range(10):\n\tprint(i)  # tab and spaces",
    "Zürich, São Paulo, Bogotá — naïve café ☕ 東京 🚀",
    "many     spaces\n\n\nand blank lines   \n",
    "<|user|>\nHello!<|end|>\n<|assistant|>\n",
    "<s>[INST] <<SYS>> system <</SYS>> [/INST]</s>",
    "The quick brown fox jumps over the lazy dog. 12345 + 67890 = 80235",
)


@dataclass(frozen=True)
class TokenizerFingerprint:
    vocab_size: int
    bos_id: int
    eos_id: int
    pad_id: int
    encodings: tuple[tuple[int, ...], ...]


def fingerprint(tokenizer: Any) -> TokenizerFingerprint:
    """Fingerprint an `openvino_genai.Tokenizer`."""
    encodings = []
    for probe in PROBES:
        ids = tokenizer.encode(probe, add_special_tokens=False).input_ids.data
        encodings.append(tuple(int(i) for i in ids.ravel()))
    return TokenizerFingerprint(
        vocab_size=len(tokenizer.get_vocab()),
        bos_id=int(tokenizer.get_bos_token_id()),
        eos_id=int(tokenizer.get_eos_token_id()),
        pad_id=int(tokenizer.get_pad_token_id()),
        encodings=tuple(encodings),
    )


def load_fingerprint(folder: Path) -> TokenizerFingerprint:
    import openvino_genai

    return fingerprint(openvino_genai.Tokenizer(str(folder)))


def differences(a: TokenizerFingerprint, b: TokenizerFingerprint) -> list[str]:
    """Human-readable differences between two fingerprints; empty when they agree."""
    found: list[str] = []
    if a.vocab_size != b.vocab_size:
        found.append(f"vocabulary size {a.vocab_size} vs {b.vocab_size}")
    for name in ("bos_id", "eos_id", "pad_id"):
        if getattr(a, name) != getattr(b, name):
            label = name.removesuffix("_id").upper()
            found.append(f"{label} id {getattr(a, name)} vs {getattr(b, name)}")
    for probe, ea, eb in zip(PROBES, a.encodings, b.encodings, strict=True):
        if ea != eb:
            shown = probe if len(probe) <= 24 else probe[:24] + "…"
            found.append(f"encoding of {shown!r}: {len(ea)} vs {len(eb)} tokens"
                         if len(ea) != len(eb) else f"encoding of {shown!r} differs")
    return found
