"""GGUF -> OpenVINO IR, inside the conversion subprocess (torch, transformers, tokenizers).

1. The tokenizer. Candidates are built and each is converted to OpenVINO IR and checked
   against the GGUF's own vocabulary (`gguf_tokenizer.check`); the first that passes is
   kept, and when none does the conversion stops with what was wrong:
   - "gguf-vocab": built here from the GGUF's tokens, merges and token types with the
     `tokenizers` library, with the pre-tokenizer named by `tokenizer.ggml.pre`
     (byte-level BPE files only; tried first because it reads the file's own data);
   - "transformers": transformers' own GGUF tokenizer (its only path for SentencePiece
     files; for some GPT-2 BPE files it builds a wrong one, which the check refuses).
2. The weights: transformers dequantizes the GGUF (`from_pretrained(gguf_file=...)`,
   needs `gguf` and `accelerate`) into a temporary checkpoint, with the GGUF's chat
   template, special tokens and end ids; `convert_export.export_to_openvino` then exports
   it as for any checkpoint (int4/int8/fp16).
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from app.core.store import gguf_tokenizer
from app.core.store.gguf_file import GgufInfo, read_gguf

# llama.cpp's pre-tokenizer names -> (split regex or None, digits one by one, NFC,
# ignore_merges). Regexes as in the models' own tokenizer.json files.
_QWEN2 = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}|"
          r" ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+")
_LLAMA3 = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}|"
           r" ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+")


@dataclass(frozen=True)
class PreTokenizer:
    regex: str | None
    digits: bool = False
    nfc: bool = False
    ignore_merges: bool = False


PRE_TOKENIZERS = {
    "qwen2": PreTokenizer(_QWEN2, nfc=True),
    "deepseek-r1-qwen": PreTokenizer(_QWEN2, nfc=True),
    "llama-bpe": PreTokenizer(_LLAMA3, ignore_merges=True),
    "llama3": PreTokenizer(_LLAMA3, ignore_merges=True),
    "smollm": PreTokenizer(None, digits=True),
    "starcoder": PreTokenizer(None, digits=True),
    "refact": PreTokenizer(None, digits=True),
    "gpt-2": PreTokenizer(None),
    "gpt2": PreTokenizer(None),
    "default": PreTokenizer(None),
}


def _token(md: dict[str, Any], key: str) -> str | None:
    tokens = md.get("tokenizer.ggml.tokens") or []
    i = md.get(f"tokenizer.ggml.{key}_token_id")
    return str(tokens[int(i)]) if i is not None and 0 <= int(i) < len(tokens) else None


def build_bpe_tokenizer(info: GgufInfo) -> Any:
    """A `PreTrainedTokenizerFast` from a byte-level BPE GGUF's own vocabulary."""
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers
    from tokenizers import pre_tokenizers as pt
    from transformers import PreTrainedTokenizerFast

    md = info.metadata
    if md.get("tokenizer.ggml.model") != "gpt2":
        raise ValueError(f"not a byte-level BPE vocabulary ({md.get('tokenizer.ggml.model')})")
    pre_name = str(md.get("tokenizer.ggml.pre", "default"))
    pre = PRE_TOKENIZERS.get(pre_name)
    if pre is None:
        raise ValueError(f"unknown pre-tokenizer {pre_name!r}")
    tokens = [str(t) for t in md["tokenizer.ggml.tokens"]]
    types = list(md.get("tokenizer.ggml.token_type") or [])
    merges = [tuple(str(m).split(" ", 1)) for m in md.get("tokenizer.ggml.merges") or []]
    tok = Tokenizer(models.BPE(vocab={t: i for i, t in enumerate(tokens)}, merges=merges,
                               ignore_merges=pre.ignore_merges))
    steps: list[Any] = []
    if pre.digits:
        steps.append(pt.Digits(individual_digits=True))
    if pre.regex:
        steps.append(pt.Split(Regex(pre.regex), behavior="isolated", invert=False))
    steps.append(pt.ByteLevel(add_prefix_space=False, trim_offsets=False,
                              use_regex=pre.regex is None))
    tok.pre_tokenizer = pt.Sequence(steps)
    if pre.nfc:
        tok.normalizer = normalizers.NFC()
    tok.decoder = decoders.ByteLevel()
    special = [AddedToken(t, special=types[i] == gguf_tokenizer.CONTROL, normalized=False)
               for i, t in enumerate(tokens) if i < len(types)
               and types[i] in (gguf_tokenizer.CONTROL, gguf_tokenizer.USER_DEFINED)]
    tok.add_special_tokens([a for a in special if a.special])
    tok.add_tokens([a for a in special if not a.special])
    return PreTrainedTokenizerFast(
        tokenizer_object=tok, bos_token=_token(md, "bos"), eos_token=_token(md, "eos"),
        pad_token=_token(md, "padding"), unk_token=_token(md, "unknown"),
        chat_template=md.get("tokenizer.chat_template"), model_max_length=int(
            md.get(f"{info.architecture}.context_length", 32768)),
        clean_up_tokenization_spaces=False)


def _transformers_tokenizer(info: GgufInfo) -> Any:
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(str(info.path.parent), gguf_file=str(info.path))
    template = info.metadata.get("tokenizer.chat_template")
    if template:
        tok.chat_template = template
    return tok


CANDIDATES: dict[str, Callable[[GgufInfo], Any]] = {
    "gguf-vocab": build_bpe_tokenizer,
    "transformers": _transformers_tokenizer,
}


def save_ov_tokenizer(hf_tokenizer: Any, folder: Path) -> None:
    import openvino as ov
    import openvino_tokenizers

    tokenizer, detokenizer = openvino_tokenizers.convert_tokenizer(
        hf_tokenizer, with_detokenizer=True)
    folder.mkdir(parents=True, exist_ok=True)
    ov.save_model(tokenizer, folder / "openvino_tokenizer.xml")
    ov.save_model(detokenizer, folder / "openvino_detokenizer.xml")


def choose_tokenizer(info: GgufInfo, work: Path,
                     say: Callable[[str], None] = print) -> tuple[str, Any]:
    """The first candidate whose OpenVINO tokenizer matches the GGUF: (name, tokenizer)."""
    found: list[str] = []
    for name, build in CANDIDATES.items():
        try:
            hf_tok = build(info)
            folder = work / f"tok-{name}"
            save_ov_tokenizer(hf_tok, folder)
            problems = gguf_tokenizer.check(info, folder)
        except Exception as exc:  # any failure of one candidate: try the next
            problems = [f"{type(exc).__name__}: {str(exc).strip()[:200]}"]
        if not problems:
            say(f"tokenizer: {name} matches the GGUF's vocabulary and special tokens")
            return name, hf_tok
        found.append(f"{name}: {'; '.join(problems[:3])}")
        say(f"tokenizer: {name} refused: {'; '.join(problems[:3])}")
    raise ValueError("no tokenizer matching the GGUF could be built (" + " | ".join(found)
                     + ")")


def end_ids(info: GgufInfo) -> list[int]:
    md = info.metadata
    ids = [int(md[f"tokenizer.ggml.{k}_token_id"]) for k in ("eos", "eot", "eom")
           if md.get(f"tokenizer.ggml.{k}_token_id") is not None]
    return list(dict.fromkeys(ids))


def dequantize(info: GgufInfo, hf_tokenizer: Any, ckpt: Path) -> None:
    """Write a float32 checkpoint of the GGUF, with its tokenizer and end ids."""
    import torch
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(
        str(info.path.parent), gguf_file=str(info.path), dtype=torch.float32)
    md = info.metadata
    ends = end_ids(info)
    if ends:
        model.generation_config.eos_token_id = ends if len(ends) > 1 else ends[0]
        model.config.eos_token_id = ends[0]
    for key, attr in (("bos", "bos_token_id"), ("padding", "pad_token_id")):
        value = md.get(f"tokenizer.ggml.{key}_token_id")
        if value is not None:
            setattr(model.generation_config, attr, int(value))
            setattr(model.config, attr, int(value))
    model.save_pretrained(ckpt)
    hf_tokenizer.save_pretrained(ckpt)
    del model


class Exporter(Protocol):
    """Writes OpenVINO IR of a checkpoint folder (`convert_export.export_to_openvino`)."""

    def __call__(self, src: Path, dst: Path, weight_format: str, *, hf_tokenizer: Any,
                 tokenizer_ir: Path | None, report: Callable[[float, str], None]) -> None: ...


def export_gguf(src: Path, dst: Path, weight_format: str,
                progress: Callable[[float, str], None], export_to_openvino: Exporter) -> None:
    """Convert the GGUF `src` to OpenVINO IR in `dst`; `export_to_openvino` exports the
    dequantized checkpoint (passed in: the subprocess's entry, convert_export, owns it)."""
    info = read_gguf(src)
    scratch = Path(tempfile.mkdtemp(prefix="gguf-", dir=dst.parent))
    try:
        progress(0.02, "checking the GGUF's tokenizer")
        name, hf_tok = choose_tokenizer(info, scratch, say=lambda m: progress(0.05, m))
        progress(0.10, f"dequantizing {info.quantization} weights")
        ckpt = scratch / "checkpoint"
        dequantize(info, hf_tok, ckpt)
        progress(0.30, "exporting to OpenVINO")
        export_to_openvino(ckpt, dst, weight_format, hf_tokenizer=hf_tok,
                           tokenizer_ir=scratch / f"tok-{name}",
                           report=lambda f, m: progress(0.30 + 0.70 * f, m))
        (dst / "tandem-gguf.json").write_text(json.dumps({
            "gguf": src.name, "architecture": info.architecture,
            "quantization": info.quantization, "tokenizer": name,
            "end_ids": end_ids(info)}, indent=2) + "\n", encoding="utf-8")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
