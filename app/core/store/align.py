"""Tokenizer alignment: prove a draft encodes exactly like its target, then share one.

Drafts such as FastDraft ship tokenizer files that differ from their target's only in
packaging (special-token ids in the metadata, the chat template, conversion options), and
OpenVINO GenAI then refuses the pair or behaves differently. People copy the target's
tokenizer into the draft folder by hand. Tandem copies it only after proving that the two
tokenizers are the same: the same vocabulary (token -> id), the same encodings of probe
strings, and the same decoding of them. A real difference is reported and the pair is
marked as needing a universal draft; nothing is copied.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.core.engine.tokenizer_check import (
    PROBES,
    TOKENIZER_FILES,
    content_digest,
    differences,
    fingerprint,
    identical_files,
)

SAME = "same"  # byte-identical tokenizer files
ALIGNED = "aligned"  # the same tokenizer in other packaging: the target's is used for both
DIFFERENT = "different"  # another tokenizer: a universal draft


@dataclass(frozen=True)
class Alignment:
    status: str
    differences: tuple[str, ...] = ()  # real differences (DIFFERENT)
    packaging: tuple[str, ...] = ()  # what differed only in packaging (ALIGNED)

    @property
    def universal(self) -> bool:
        return self.status == DIFFERENT


def tokenizer_hash(folder: Path) -> str:
    return content_digest(folder)[:8]


def _load(folder: Path) -> Any:
    import openvino_genai

    return openvino_genai.Tokenizer(str(folder))


def _decodings(tokenizer: Any, encodings: tuple[tuple[int, ...], ...]) -> tuple[str, ...]:
    try:
        return tuple(str(tokenizer.decode(list(ids), skip_special_tokens=False))
                     for ids in encodings)
    except (RuntimeError, TypeError):
        return ()


def compare(target: Path, draft: Path) -> Alignment:
    """How the draft's tokenizer relates to the target's (both folders hold OpenVINO IR)."""
    if identical_files(target, draft):
        return Alignment(SAME)
    if not (draft / "openvino_tokenizer.xml").is_file():
        return Alignment(DIFFERENT, ("the draft has no tokenizer to compare",))
    try:
        t_tok, d_tok = _load(target), _load(draft)
    except RuntimeError as exc:
        return Alignment(DIFFERENT, (f"a tokenizer could not be loaded: "
                                     f"{str(exc).strip().splitlines()[0][:200]}",))
    t_fp, d_fp = fingerprint(t_tok), fingerprint(d_tok)
    found = differences(t_fp, d_fp)
    real = [d for d in found if not d.startswith(("BOS id", "EOS id", "PAD id"))]
    packaging = [d for d in found if d.startswith(("BOS id", "EOS id", "PAD id"))]
    t_vocab, d_vocab = t_tok.get_vocab(), d_tok.get_vocab()
    if t_vocab != d_vocab:
        changed = sum(1 for k, v in t_vocab.items() if d_vocab.get(k) != v)
        extra = len(set(d_vocab) - set(t_vocab))
        real.append(f"vocabularies differ ({changed} of the target's {len(t_vocab)} tokens "
                    f"missing or renumbered, {extra} extra in the draft)")
    if not real and d_tok.get_vocab() and \
            _decodings(t_tok, t_fp.encodings) != _decodings(d_tok, t_fp.encodings):
        real.append("the same ids decode to different text")
    if real:
        return Alignment(DIFFERENT, tuple(dict.fromkeys(real)))
    packaging.append("tokenizer files differ in packaging only "
                     f"(same vocabulary of {len(t_vocab)} and the same encodings of "
                     f"{len(PROBES)} probe strings)")
    return Alignment(ALIGNED, packaging=tuple(packaging))


def use_target_tokenizer(target: Path, draft: Path) -> None:
    """Replace the draft's tokenizer IR by the target's (after `compare` said ALIGNED)."""
    for name in TOKENIZER_FILES:
        if (target / name).is_file():
            # The draft's file may be a hard link into the Hugging Face cache or another
            # store folder: replace the link, never write through it.
            (draft / name).unlink(missing_ok=True)
            shutil.copy2(target / name, draft / name)
