"""The tokenizer check against a GGUF's own vocabulary, and the GGUF-vocab builder.

A GGUF's tokenizer metadata is made from the demo target's byte-level BPE tokenizer, so
the right answer is known: the demo's own OpenVINO tokenizer passes, and each kind of
wrong tokenizer is refused with what is wrong.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import openvino_genai
import pytest

from app.core.store import gguf_tokenizer
from app.core.store.gguf_file import GgufInfo, read_gguf
from tests.fixtures.fake_gguf import write_gguf

ROOT = Path(__file__).resolve().parents[3]
DEMO = ROOT / "resources" / "demo" / "target"


def demo_metadata() -> dict[str, Any]:
    """The demo tokenizer as a GGUF's tokenizer.ggml.* keys."""
    data = json.loads((DEMO / "tokenizer.json").read_text("utf-8"))
    vocab: dict[str, int] = dict(data["model"]["vocab"])
    specials = {t["content"] for t in data["added_tokens"] if t["special"]}
    for t in data["added_tokens"]:
        vocab[t["content"]] = t["id"]
    tokens = [t for t, _ in sorted(vocab.items(), key=lambda kv: kv[1])]
    merges = [m if isinstance(m, str) else " ".join(m) for m in data["model"]["merges"]]
    return {
        "general.architecture": "llama", "tokenizer.ggml.model": "gpt2",
        "tokenizer.ggml.pre": "gpt-2", "tokenizer.ggml.tokens": tokens,
        "tokenizer.ggml.token_type": [3 if t in specials else 1 for t in tokens],
        "tokenizer.ggml.merges": merges, "tokenizer.ggml.bos_token_id": vocab["<s>"],
        "tokenizer.ggml.eos_token_id": vocab["<|end|>"],
        "tokenizer.ggml.padding_token_id": vocab["<pad>"],
        "tokenizer.ggml.add_bos_token": False,
        "tokenizer.chat_template": (DEMO / "chat_template.jinja").read_text("utf-8"),
    }


@pytest.fixture(scope="module")
def info(tmp_path_factory: pytest.TempPathFactory) -> GgufInfo:
    path = write_gguf(tmp_path_factory.mktemp("gguf") / "demo.gguf", demo_metadata())
    return read_gguf(path)


@pytest.fixture(scope="module")
def demo_tokenizer() -> Any:
    return openvino_genai.Tokenizer(str(DEMO))


def with_metadata(info: GgufInfo, **changes: Any) -> GgufInfo:
    md = dict(info.metadata)
    md.update({f"tokenizer.ggml.{k}": v for k, v in changes.items()})
    return replace(info, metadata=md)


def test_the_right_tokenizer_passes(info: GgufInfo, demo_tokenizer: Any) -> None:
    assert gguf_tokenizer.check_tokenizer(info, demo_tokenizer) == []
    sentence, ids = gguf_tokenizer.probe_sentence(info) or ("", [])
    assert sentence.startswith("The brown fox") and len(ids) >= gguf_tokenizer.MIN_WORDS


def test_wrong_end_id_is_refused(info: GgufInfo, demo_tokenizer: Any) -> None:
    problems = gguf_tokenizer.check_tokenizer(with_metadata(info, eos_token_id=1),
                                              demo_tokenizer)
    assert problems == ["end-of-sequence id 2, the GGUF says 1 (b'<s>')"]


def test_start_token_disagreement_is_refused(info: GgufInfo, demo_tokenizer: Any) -> None:
    problems = gguf_tokenizer.check_tokenizer(with_metadata(info, add_bos_token=True),
                                              demo_tokenizer)
    assert len(problems) == 1 and "the GGUF adds the start token 1" in problems[0]


def test_renumbered_vocabulary_is_refused(info: GgufInfo, demo_tokenizer: Any) -> None:
    tokens = list(info.metadata["tokenizer.ggml.tokens"])
    i, j = tokens.index("Ġbrown"), tokens.index("Ġfox")
    tokens[i], tokens[j] = tokens[j], tokens[i]
    problems = gguf_tokenizer.check_tokenizer(with_metadata(info, tokens=tokens),
                                              demo_tokenizer)
    assert problems[0].startswith("2 of 1024 token ids differ from the GGUF's vocabulary")
    assert any("'The brown fox" in p and "encodes to" in p for p in problems)


def test_missing_vocabulary(info: GgufInfo, demo_tokenizer: Any) -> None:
    bare = replace(info, metadata={"general.architecture": "llama"})
    assert gguf_tokenizer.check_tokenizer(bare, demo_tokenizer) == [
        "the GGUF holds no vocabulary (tokenizer.ggml.tokens) to check against"]


@pytest.mark.slow
@pytest.mark.convert
def test_gguf_vocab_builder_matches_the_original(info: GgufInfo, tmp_path: Path) -> None:
    from transformers import AutoTokenizer

    from app.core.store.convert_gguf import build_bpe_tokenizer, save_ov_tokenizer

    built = build_bpe_tokenizer(info)
    original = AutoTokenizer.from_pretrained(str(DEMO))
    for text in gguf_tokenizer.PROBES:
        assert built.encode(text, add_special_tokens=False) == \
            original.encode(text, add_special_tokens=False), text
    assert built.eos_token == "<|end|>" and built.chat_template
    save_ov_tokenizer(built, tmp_path)
    assert gguf_tokenizer.check(info, tmp_path) == []
