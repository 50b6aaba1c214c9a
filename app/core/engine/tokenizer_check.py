"""A stricter tokenizer comparison than OpenVINO GenAI's own.

GenAI compares one sentence's token count and the BOS/EOS/PAD ids; a draft whose
vocabulary differs can load and then never be accepted. Tandem compares vocabulary size,
special ids and the exact encodings of probe strings chosen to expose the usual
differences: code indentation, Unicode split across bytes, whitespace runs, chat markup.

Building an `openvino_genai.Tokenizer` holds Python's GIL for its whole run (70-120 ms on
the demo pair, measured on a 2-core CPU; longer for large vocabularies), which stalls the
window's GUI thread while a worker loads. So a load builds none when it can help it: two
folders whose tokenizer files are byte-identical agree without a look (the store makes an
aligned draft's files the target's), and a fingerprint is kept per tokenizer content for
the life of the process.
"""

from __future__ import annotations

import filecmp
import hashlib
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.core.engine.gil_holds import holding_gil

TOKENIZER_FILES = ("openvino_tokenizer.xml", "openvino_tokenizer.bin",
                   "openvino_detokenizer.xml", "openvino_detokenizer.bin")

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


_known: dict[str, TokenizerFingerprint] = {}
_known_lock = threading.Lock()


def identical_files(a: Path, b: Path) -> bool:
    """Both folders hold every tokenizer file, byte for byte the same."""
    return all((a / n).is_file() and (b / n).is_file() and filecmp.cmp(a / n, b / n, shallow=False)
               for n in TOKENIZER_FILES)


def content_digest(folder: Path) -> str:
    """The SHA-256 of the folder's tokenizer files (names and bytes)."""
    digest = hashlib.sha256()
    for name in TOKENIZER_FILES:
        path = folder / name
        if path.is_file():
            digest.update(name.encode())
            with path.open("rb") as handle:  # large reads and updates release the GIL
                while chunk := handle.read(1 << 20):
                    digest.update(chunk)
    return digest.hexdigest()


def load_fingerprint(folder: Path) -> TokenizerFingerprint:
    """The fingerprint of the tokenizer in `folder`; built once per tokenizer content."""
    key = content_digest(folder)
    with _known_lock:
        known = _known.get(key)
    if known is not None:
        return known
    import openvino_genai

    with holding_gil("openvino_genai.Tokenizer"):
        tokenizer = openvino_genai.Tokenizer(str(folder))
    found = fingerprint(tokenizer)
    with _known_lock:
        _known[key] = found
    return found


def folder_differences(target: Path, draft: Path) -> list[str]:
    """How the draft folder's tokenizer differs from the target's; empty when they agree."""
    if identical_files(target, draft):
        return []
    return differences(load_fingerprint(target), load_fingerprint(draft))


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
