"""`tandem models add` with GGUF files, and catalog sources of format "gguf".

Bad files get a clear message before any work; a catalog GGUF is fetched as one file from
the (local test) hub and handed to the conversion subprocess, whose tokenizer refusal
reaches the user and leaves nothing installed. The successful conversion of a real GGUF
is test_real_gguf.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from app import cli, paths
from app.core.catalog import parse_catalog
from app.core.store import records
from app.core.store.events import CancelToken, ConversionError
from app.core.store.pull import pull, suggest_draft
from tests.fixtures.fake_gguf import write_gguf
from tests.fixtures.hub_server import FakeHub


def _nothing_stored() -> None:
    assert records.all_records() == []
    store = paths.models_dir()
    leftovers = [p for p in store.rglob("*") if p.is_file()] if store.exists() else []
    assert leftovers == []


def test_a_file_that_is_not_a_gguf(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    bad = tmp_path / "model.gguf"
    bad.write_text("<!DOCTYPE html> a login page saved by mistake")
    assert cli.main(["models", "add", "--target", str(bad), "--draft", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "model.gguf is not a GGUF file" in err and "Give a .gguf model file" in err
    _nothing_stored()


def test_a_truncated_gguf(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    full = write_gguf(tmp_path / "full.gguf", tensors={"token_embd.weight": (64, 256)})
    cut = tmp_path / "cut.gguf"
    cut.write_bytes(full.read_bytes()[: full.stat().st_size // 2])
    assert cli.main(["models", "add", "--target", str(cut)]) == 2
    err = capsys.readouterr().err
    assert "cut.gguf is a truncated GGUF file" in err and "Fetch the file again" in err
    _nothing_stored()


@pytest.mark.parametrize(("metadata", "message"), [
    ({"split.count": 3, "split.no": 0}, "is one part of a GGUF split into 3 files"),
    ({"general.type": "mmproj", "general.architecture": "clip"},
     "is not a language model (it is a mmproj"),
])
def test_split_parts_and_projectors_are_refused(tmp_path: Path, metadata: dict, message: str,
                                                capsys: pytest.CaptureFixture[str]):
    gguf = write_gguf(tmp_path / "part.gguf", metadata)
    assert cli.main(["models", "add", "--target", str(gguf), "--draft", str(gguf)]) == 2
    assert message in capsys.readouterr().err
    _nothing_stored()


def test_default_draft_from_the_gguf_architecture(tmp_path: Path):
    gguf = write_gguf(tmp_path / "q.gguf", {"general.architecture": "qwen2"})
    assert suggest_draft(str(gguf)) == ("Qwen/Qwen2.5-0.5B-Instruct", "qwen2")


CATALOG = """
[[pair]]
id = "fake-gguf"
name = "A GGUF pair"
tasks = ["chat"]
default_k = 3

[pair.target]
repo = "someone/Fake-GGUF"
format = "gguf"
file = "fake-q4_k_m.gguf"
weights = "int8"
license = "mit"

[pair.draft]
repo = "someone/Fake-GGUF"
format = "gguf"
file = "fake-q4_k_m.gguf"
weights = "int8"
license = "mit"
"""


@pytest.mark.slow
@pytest.mark.convert
def test_catalog_gguf_is_fetched_as_one_file_and_a_bad_tokenizer_is_refused(
        hub: FakeHub, tmp_path: Path):
    repo = tmp_path / "repo"
    write_gguf(repo / "fake-q4_k_m.gguf", {"tokenizer.ggml.model": "gpt2",
                                           "tokenizer.ggml.pre": "no-such-pre",
                                           "tokenizer.ggml.tokens": ["a", "b"]})
    write_gguf(repo / "fake-f16.gguf")
    (repo / "README.md").write_text("two quantizations")
    hub.add_repo("someone/Fake-GGUF", repo)
    catalog = parse_catalog(CATALOG)
    assert catalog.problems == ()
    with pytest.raises(ConversionError) as err:
        pull("fake-gguf", lambda e: None, CancelToken(), catalog=catalog)
    assert "no tokenizer matching the GGUF" in err.value.message
    assert "unknown pre-tokenizer 'no-such-pre'" in err.value.message
    fetched = {r.path.rsplit("/", 1)[-1] for r in hub.log if "/resolve/" in r.path}
    assert fetched == {"fake-q4_k_m.gguf"}  # not the other quantization, not the README
    assert hub.gets("fake-q4_k_m.gguf")
    _nothing_stored()


def test_conversion_needs_of_a_gguf_come_from_its_tensor_table(tmp_path: Path):
    from app.core.store.convert import BASE_RAM, GGUF_RAM_PER_PARAM, estimate_needs

    gguf = write_gguf(tmp_path / "m.gguf", tensors={"a": (1000, 100), "b": (100,)})
    needs = estimate_needs(gguf, "int8")
    assert needs.checkpoint_bytes == gguf.stat().st_size
    assert needs.ram_bytes == BASE_RAM + int(GGUF_RAM_PER_PARAM * 100_100)
    assert needs.disk_bytes > 100_100 * 4  # the float32 checkpoint made on the way


def test_without_the_gguf_packages_the_message_names_them(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch):
    import app.core.store.convert as convert

    monkeypatch.setattr(convert, "conversion_available", lambda gguf=False: not gguf)
    gguf = write_gguf(tmp_path / "m.gguf")
    with pytest.raises(ConversionError) as err:
        convert.run_conversion(gguf, tmp_path / "out", "int8", lambda e: None, CancelToken())
    assert "(torch, optimum-intel, gguf, accelerate)" in err.value.message
    assert "tandem[convert]" in err.value.hint
