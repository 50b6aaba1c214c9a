"""The pure-Python GGUF header reader: metadata, tensors, and clear refusals."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.core.store.gguf_file import GgufError, is_gguf, read_gguf
from tests.fixtures.fake_gguf import write_gguf


def test_reads_metadata_arrays_and_tensors(tmp_path: Path) -> None:
    path = write_gguf(tmp_path / "m.gguf", {
        "general.architecture": "qwen2", "tokenizer.ggml.tokens": ["a", "b", "<|x|>"],
        "tokenizer.ggml.token_type": [1, 1, 3], "tokenizer.ggml.eos_token_id": 2,
        "tokenizer.ggml.add_bos_token": False, "qwen2.rope.freq_base": 1.5},
        {"token_embd.weight": (8, 3), "blk.0.attn_q.weight": (8, 8)})
    info = read_gguf(path)
    assert info.architecture == "qwen2" and info.version == 3
    assert info.metadata["tokenizer.ggml.tokens"] == ["a", "b", "<|x|>"]
    assert info.metadata["tokenizer.ggml.token_type"] == [1, 1, 3]
    assert info.metadata["tokenizer.ggml.add_bos_token"] is False
    assert info.metadata["qwen2.rope.freq_base"] == 1.5
    assert [t.shape for t in info.tensors] == [(8, 3), (8, 8)]
    assert info.parameters == 88
    assert info.expected_size == path.stat().st_size
    assert read_gguf(path, arrays=False).metadata["tokenizer.ggml.tokens"] == 3
    assert info.quantization == "F32"  # the type holding most weights, when not named
    named = write_gguf(tmp_path / "n.gguf", {"general.file_type": 15})
    assert read_gguf(named).quantization == "Q4_K_M"


def test_not_a_gguf_says_so(tmp_path: Path) -> None:
    path = tmp_path / "model.gguf"
    path.write_bytes(b"PK\x03\x04 this is a zip file")
    assert not is_gguf(path)
    with pytest.raises(GgufError, match=r"model\.gguf is not a GGUF file") as err:
        read_gguf(path)
    assert "Give a .gguf model file" in err.value.hint


def test_empty_file_is_not_a_gguf(tmp_path: Path) -> None:
    path = tmp_path / "empty.gguf"
    path.write_bytes(b"")
    with pytest.raises(GgufError, match="not a GGUF file"):
        read_gguf(path)


@pytest.mark.parametrize("keep", [10, 60])
def test_truncated_header(tmp_path: Path, keep: int) -> None:
    full = write_gguf(tmp_path / "full.gguf", {"tokenizer.ggml.tokens": ["a"] * 20})
    cut = tmp_path / "cut.gguf"
    cut.write_bytes(full.read_bytes()[:keep])
    with pytest.raises(GgufError, match=r"cut\.gguf is a truncated GGUF file: it ends "
                                        "inside its header") as err:
        read_gguf(cut)
    assert "Fetch the file again" in err.value.hint


def test_truncated_tensor_data(tmp_path: Path) -> None:
    full = write_gguf(tmp_path / "full.gguf", tensors={"w": (64, 64)})
    cut = tmp_path / "cut.gguf"
    data = full.read_bytes()
    cut.write_bytes(data[:-100])
    with pytest.raises(GgufError, match=f"has {len(data) - 100:,} bytes but its tensors "
                                        f"need {len(data):,}"):
        read_gguf(cut)


def test_unsupported_version(tmp_path: Path) -> None:
    path = write_gguf(tmp_path / "v9.gguf", version=9)
    with pytest.raises(GgufError, match="GGUF version 9"):
        read_gguf(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(GgufError, match="Cannot read"):
        read_gguf(tmp_path / "nope.gguf")
