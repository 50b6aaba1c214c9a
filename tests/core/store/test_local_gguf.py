"""Finding GGUFs in LM Studio's and Ollama's folders (fake trees, small fake GGUFs)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.core.store.local_gguf import LocalGguf, find_local_ggufs
from tests.fixtures.fake_gguf import write_gguf

DIGEST = "a" * 64
OTHER = "b" * 64


def _ollama(models: Path, name: tuple[str, ...], digest: str, gguf: bool = True) -> Path:
    blob = models / "blobs" / f"sha256-{digest}"
    if gguf:
        write_gguf(blob)
    else:
        blob.parent.mkdir(parents=True, exist_ok=True)
        blob.write_text("a licence text, not a model")
    manifest = models / "manifests" / Path(*name)
    manifest.parent.mkdir(parents=True, exist_ok=True)
    manifest.write_text(json.dumps({"schemaVersion": 2, "layers": [
        {"mediaType": "application/vnd.ollama.image.license", "digest": f"sha256:{OTHER}"},
        {"mediaType": "application/vnd.ollama.image.model", "digest": f"sha256:{digest}",
         "size": blob.stat().st_size}]}))
    return blob


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("OLLAMA_MODELS", raising=False)
    return tmp_path / "home"


def test_nothing_installed(home: Path) -> None:
    assert find_local_ggufs(home) == []


def test_lm_studio_files(home: Path) -> None:
    models = home / ".lmstudio" / "models"
    a = write_gguf(models / "lmstudio-community" / "Qwen-GGUF" / "qwen-Q4_K_M.gguf")
    old = write_gguf(home / ".cache" / "lm-studio" / "models" / "TheBloke" / "x" / "x.gguf")
    write_gguf(models / "lmstudio-community" / "Qwen-GGUF" / "mmproj-qwen-f16.gguf")
    write_gguf(models / "big" / "r" / "big-00002-of-00003.gguf")
    first = write_gguf(models / "big" / "r" / "big-00001-of-00003.gguf")
    (models / "junk").mkdir()
    (models / "junk" / "fake.gguf").write_text("not a gguf")
    found = find_local_ggufs(home)
    assert [(f.name, f.source) for f in found] == [
        ("big/r/big-00001-of-00003.gguf", "lmstudio"),
        ("lmstudio-community/Qwen-GGUF/qwen-Q4_K_M.gguf", "lmstudio"),
        ("TheBloke/x/x.gguf", "lmstudio")]
    assert [f.path for f in found] == [first, a, old]
    assert found[1].size == a.stat().st_size


def test_lm_studio_custom_folder(home: Path, tmp_path: Path) -> None:
    custom = tmp_path / "elsewhere"
    write_gguf(custom / "pub" / "repo" / "m.gguf")
    (home / ".lmstudio").mkdir(parents=True)
    (home / ".lmstudio" / "settings.json").write_text(json.dumps({"downloadsFolder":
                                                                  str(custom)}))
    assert [f.name for f in find_local_ggufs(home)] == ["pub/repo/m.gguf"]


def test_ollama_manifests_and_blobs(home: Path) -> None:
    models = home / ".ollama" / "models"
    blob = _ollama(models, ("registry.ollama.ai", "library", "qwen2.5-coder", "1.5b"), DIGEST)
    _ollama(models, ("registry.ollama.ai", "someone", "tiny", "latest"), "c" * 64)
    _ollama(models, ("hf.co", "bartowski", "SmolLM2-GGUF", "Q4_K_M"), "d" * 64)
    _ollama(models, ("registry.ollama.ai", "library", "broken", "latest"), "e" * 64,
            gguf=False)
    (models / "manifests" / "registry.ollama.ai" / "library" / "bad").mkdir(parents=True)
    (models / "manifests" / "registry.ollama.ai" / "library" / "bad" / "x").write_text("{")
    found = find_local_ggufs(home)
    assert sorted(f.name for f in found) == [
        "hf.co/bartowski/SmolLM2-GGUF:Q4_K_M", "qwen2.5-coder:1.5b", "someone/tiny:latest"]
    qwen = next(f for f in found if f.name == "qwen2.5-coder:1.5b")
    assert qwen == LocalGguf(blob, "qwen2.5-coder:1.5b", blob.stat().st_size, "ollama")


def test_ollama_models_env(home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _ollama(home / ".ollama" / "models", ("registry.ollama.ai", "library", "a", "1"), DIGEST)
    custom = tmp_path / "ollama-store"
    _ollama(custom, ("registry.ollama.ai", "library", "b", "2"), OTHER)
    monkeypatch.setenv("OLLAMA_MODELS", str(custom))
    assert [f.name for f in find_local_ggufs(home)] == ["b:2"]


def test_same_blob_under_two_tags_is_listed_once(home: Path) -> None:
    models = home / ".ollama" / "models"
    _ollama(models, ("registry.ollama.ai", "library", "m", "latest"), DIGEST)
    _ollama(models, ("registry.ollama.ai", "library", "m", "1b"), DIGEST)
    assert [f.name for f in find_local_ggufs(home)] == ["m:1b"]
