"""Pairs added from folders: alignment, readiness, verification, removal, sizes, the CLI."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from app import cli, paths
from app.core.store import layout, records
from app.core.store.align import ALIGNED, DIFFERENT, SAME, compare
from app.core.store.events import CancelToken, StoreError
from app.core.store.manifest import read_manifest
from app.core.store.pairs import find_ready_pair, list_ready_pairs, ready_pair_spec
from app.core.store.pull import add, remove, suggest_draft
from app.core.store.sides import folder_fingerprint
from app.core.store.verify import is_ready, verify

ROOT = Path(__file__).resolve().parents[3]
DEMO = ROOT / "resources" / "demo"


def _add(target: Path, draft: Path, name: str, load: bool = True):  # type: ignore[no-untyped-def]
    return add(str(target), str(draft), name, lambda e: None, CancelToken(), load=load)


def test_alignment_compares_real_tokenizers():
    assert compare(DEMO / "target", DEMO / "target").status == SAME
    # The demo draft's tokenizer files differ in packaging only.
    aligned = compare(DEMO / "target", DEMO / "draft")
    assert aligned.status == ALIGNED and not aligned.differences
    different = compare(DEMO / "target", DEMO / "draft-othertok")
    assert different.status == DIFFERENT
    assert any("vocabular" in d for d in different.differences)


def test_add_ir_folders_gives_a_ready_aligned_pair_that_generate_uses(capsys):
    result = _add(DEMO / "target", DEMO / "draft", "My Pair")
    assert result.ok, result.problems
    record = result.record
    assert record.id == "my-pair" and record.tokenizers == ALIGNED
    draft = layout.model_dir(record.draft)
    # The draft now uses the target's tokenizer, copied after the proof; its model is its own.
    for name in ("openvino_tokenizer.xml", "openvino_detokenizer.bin"):
        assert (draft / name).read_bytes() == (DEMO / "target" / name).read_bytes()
    assert (draft / "openvino_model.bin").read_bytes() == \
        (DEMO / "draft" / "openvino_model.bin").read_bytes()
    manifest = read_manifest(draft)
    assert manifest is not None and manifest.data["tokenizer_from"] == record.target
    assert manifest.source["kind"] == "local"
    # The source folders were not touched.
    assert (DEMO / "draft" / "openvino_tokenizer.xml").read_bytes() != \
        (DEMO / "target" / "openvino_tokenizer.xml").read_bytes()

    ready = list_ready_pairs()
    assert [p.id for p in ready] == ["demo", "my-pair"]
    assert ready[0].target == DEMO / "target"  # the bundled demo stays first
    assert find_ready_pair("my-pair").draft == draft and not ready[1].universal
    spec = ready_pair_spec("my-pair")
    assert spec.target == layout.model_dir(record.target) and spec.draft == draft

    capsys.readouterr()
    assert cli.main(["generate", "--pair", "my-pair", "--json", "--max-new-tokens", "12",
                     "Hello!"]) == 0
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert out["mode"] == "draft" and out["generated_tokens"] > 0


def test_a_draft_with_another_tokenizer_is_listed_as_universal():
    result = _add(DEMO / "target", DEMO / "draft-othertok", "other")
    assert result.ok, result.problems
    assert result.record.tokenizers == DIFFERENT and result.record.universal
    draft = layout.model_dir(result.record.draft)
    # Nothing copied: the draft keeps its own tokenizer.
    assert (draft / "openvino_tokenizer.xml").read_bytes() == \
        (DEMO / "draft-othertok" / "openvino_tokenizer.xml").read_bytes()
    pair = find_ready_pair("other")
    assert pair.universal


def test_corruption_makes_a_pair_not_ready_and_verify_names_the_file():
    record = _add(DEMO / "target", DEMO / "draft", "pair", load=False).record
    assert is_ready(records.load("pair"))  # type: ignore[arg-type]
    weights = layout.model_dir(record.target) / "openvino_model.bin"
    data = bytearray(weights.read_bytes())
    data[100] ^= 0xFF  # same size: only a hash check can see it
    weights.unlink()  # it may be a hard link; never write through to the source
    weights.write_bytes(bytes(data))
    result = verify("pair", lambda e: None, CancelToken(), load=False)
    assert not result.ok
    assert any("openvino_model.bin does not match" in p for p in result.problems)
    assert [p.id for p in list_ready_pairs()] == ["demo"]

    weights.write_bytes(bytes(data[:500]))  # truncated: even the cheap check sees it
    with pytest.raises(Exception, match="No ready pair"):
        find_ready_pair("pair")


def test_a_folder_without_manifest_is_not_a_model():
    record = _add(DEMO / "target", DEMO / "draft", "pair", load=False).record
    (layout.model_dir(record.draft) / layout.MANIFEST).unlink()
    assert not is_ready(records.load("pair"))  # type: ignore[arg-type]
    result = verify("pair", lambda e: None, CancelToken(), load=False)
    assert any("no valid manifest" in p for p in result.problems)


def test_adding_again_reuses_the_store_and_rm_keeps_shared_folders():
    first = _add(DEMO / "target", DEMO / "draft", "one", load=False).record
    second = _add(DEMO / "target", DEMO / "draft", "two", load=False).record
    assert (first.target, first.draft) == (second.target, second.draft)
    assert remove("one") == []  # still used by "two"
    removed = remove("two")
    assert sorted(removed) == sorted([first.target, first.draft])
    assert not layout.model_dir(first.target).exists()
    with pytest.raises(StoreError):
        remove("two")


def test_stale_staging_is_cleaned_and_never_listed():
    dead = layout.staging_root() / "target-x.999999.deadbeef"
    dead.mkdir(parents=True)
    (dead / "openvino_model.bin").write_bytes(b"partial")
    _add(DEMO / "target", DEMO / "draft", "pair", load=False)
    assert not dead.exists()
    assert [p.id for p in list_ready_pairs()] == ["demo", "pair"]


def test_models_commands(capsys, tmp_path: Path):
    assert cli.main(["models", "add", "--target", str(DEMO / "target"), "--draft",
                     str(DEMO / "draft"), "--name", "cli pair"]) == 0
    out = capsys.readouterr().out
    assert "cli-pair: ready" in out and "tandem generate --pair cli-pair" in out

    assert cli.main(["models", "list", "--json"]) == 0
    listing = json.loads(capsys.readouterr().out)
    rows = {r["id"]: r for r in listing["pairs"]}
    assert rows["cli-pair"]["status"] == "ready" and rows["cli-pair"]["origin"] == "added"
    assert rows["demo"]["status"] == "ready (bundled)"
    assert rows["qwen3-8b"]["status"] == "not pulled"
    assert rows["gemma2-9b-vicuna68m"]["universal"]
    assert "gated" in rows["gemma2-9b-vicuna68m"]["flags"]

    assert cli.main(["models", "verify", "cli-pair"]) == 0
    assert "verified" in capsys.readouterr().out
    assert cli.main(["models", "du"]) == 0
    du = capsys.readouterr().out
    assert str(paths.models_dir()) in du and "cli-pair" in du
    assert cli.main(["models", "rm", "cli-pair"]) == 0
    assert "Removed cli-pair" in capsys.readouterr().out
    assert cli.main(["models", "verify", "cli-pair"]) == 2  # a TandemError: not in the store


def test_add_without_draft_uses_the_architecture_rule(tmp_path: Path):
    # The demo checkpoints are Llama-architecture: the rule suggests TinyLlama.
    repo, arch = suggest_draft(str(DEMO / "hf" / "target"))
    assert repo == "TinyLlama/TinyLlama-1.1B-Chat-v1.0" and arch == "llama"
    odd = tmp_path / "odd"
    odd.mkdir()
    (odd / "config.json").write_text(json.dumps({"model_type": "mamba"}))
    with pytest.raises(Exception, match="no default draft"):
        suggest_draft(str(odd))


_INSTALL_CHILD = """
import sys
from pathlib import Path
from app.core.store import layout
staging = layout.new_staging("child")
work = staging / "model"
work.mkdir()
(work / "file").write_text("new")
(work / "weights.bin").write_bytes(b"n" * 100_000)
layout.install(work, Path(sys.argv[1]))
"""


def _install_in_a_child_killed(final: Path, where: str) -> None:
    env = {**os.environ, layout.CRASH_HOOK: where, "PYTHONPATH": str(ROOT)}
    child = subprocess.run([sys.executable, "-c", _INSTALL_CHILD, str(final)], env=env,
                           cwd=ROOT, capture_output=True, text=True, timeout=60)
    if os.name != "nt":
        assert child.returncode == -signal.SIGKILL, child.stderr


def _old_copy(final: Path) -> None:
    staging = layout.new_staging("old")
    (staging / "file").write_text("old")
    (staging / "weights.bin").write_bytes(b"o" * 100_000)
    layout.install(staging, final)


def test_install_replaces_an_older_copy_atomically():
    # Issue 13 item 7: a real process is SIGKILLed between the two renames of install.
    final = layout.model_dir("x--y/int8")
    _old_copy(final)
    _install_in_a_child_killed(final, "between")
    # The crash left the old copy set aside and the new one in staging.
    assert not final.exists()
    assert [p.name.startswith("int8.old-") for p in final.parent.iterdir()] == [True]
    assert any(layout.staging_root().iterdir())
    layout.clean_stale_staging()  # what the next store job does first
    assert (final / "file").read_text() == "old"  # the previous copy, whole
    assert sorted(os.listdir(final.parent)) == ["int8"]
    assert not any(layout.staging_root().iterdir())

    # Killed after both renames, before the old copy was deleted: the new one stays.
    _install_in_a_child_killed(final, "after")
    assert (final / "file").read_text() == "new"
    assert len(os.listdir(final.parent)) == 2
    layout.clean_stale_staging()
    assert sorted(os.listdir(final.parent)) == ["int8"]
    assert (final / "weights.bin").read_bytes() == b"n" * 100_000

    # Not killed: replaced in one step, nothing left over.
    _old_copy(final)
    assert (final / "file").read_text() == "old" and os.listdir(final.parent) == ["int8"]


def test_a_zero_filled_file_of_the_right_size_is_not_ready():
    # After a power loss a file can keep its size but lose its data (zeros).
    record = _add(DEMO / "target", DEMO / "draft", "pair", load=False).record
    weights = layout.model_dir(record.draft) / "openvino_model.bin"
    size = weights.stat().st_size
    weights.unlink()  # it may be a hard link; never write through to the source
    weights.write_bytes(bytes(size))
    loaded = records.load("pair")
    assert loaded is not None and not is_ready(loaded)
    assert [p.id for p in list_ready_pairs()] == ["demo"]


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc to name fds")
def test_files_are_fsynced_before_their_manifest_and_renames_after(monkeypatch):
    synced: list[str] = []
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        synced.append(os.readlink(f"/proc/self/fd/{fd}"))
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    record = _add(DEMO / "target", DEMO / "draft", "pair", load=False).record
    folder = layout.model_dir(record.target)
    manifest_tmp = next(i for i, p in enumerate(synced)
                        if Path(p).name.startswith(f".{layout.MANIFEST}."))
    staged = [Path(p) for p in synced[:manifest_tmp]]
    for name in ("openvino_model.bin", "openvino_model.xml", "tokenizer.json"):
        assert any(p.name == name and layout.STAGING in p.parts for p in staged), name
    # The folder that received the installed copy was fsynced after the rename.
    installed = max(i for i, p in enumerate(synced) if Path(p) == folder.parent)
    assert installed > manifest_tmp
    assert str(paths.models_dir() / layout.PAIRS) in synced  # the pair record's folder


def test_pair_statuses_for_the_window():
    from app.core.store.status import pair_statuses

    _add(DEMO / "target", DEMO / "draft-othertok", "mine", load=False)
    rows = {r.id: r for r in pair_statuses()}
    assert rows["demo"].ready and rows["demo"].status == "ready (bundled)"
    assert not rows["qwen3-8b"].ready and rows["qwen3-8b"].origin == "catalog"
    assert rows["llama3.1-8b-fastdraft"].gated
    assert rows["phi3-medium-qwen2"].universal
    assert rows["mine"].ready and rows["mine"].universal and rows["mine"].origin == "added"


def test_cli_wording_for_a_universal_pair_says_it_runs(capsys):
    # Issue 13 item 11: the universal backend exists, the CLI must not say otherwise.
    assert cli.main(["models", "add", "--target", str(DEMO / "target"), "--draft",
                     str(DEMO / "draft-othertok"), "--name", "uni"]) == 0
    added = capsys.readouterr().out
    assert "not yet supported" not in added and "not supported" not in added
    assert "universal draft" in added and "tandem generate --pair uni" in added
    assert cli.main(["models", "list"]) == 0
    listing = capsys.readouterr().out
    assert "not supported" not in listing
    uni_line = next(line for line in listing.splitlines() if line.lstrip().startswith("uni"))
    assert "universal draft" in uni_line
    # And the command it suggests really runs the pair with the universal backend.
    assert cli.main(["generate", "--pair", "uni", "--json", "--max-new-tokens", "8",
                     "Hello!"]) == 0
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert out["mode"] == "universal" and out["generated_tokens"] > 0


def test_a_changed_local_folder_is_stored_again(tmp_path: Path):
    # Issue 13 item 6: add, change a file of the source folder, add again -> a new copy
    # made from the new files (the old one was reused before).
    mine = tmp_path / "my-draft"
    shutil.copytree(DEMO / "draft", mine)
    first = _add(DEMO / "target", mine, "one", load=False).record
    stored = layout.model_dir(first.draft)
    before = read_manifest(stored)
    assert before is not None
    config = json.loads((mine / "generation_config.json").read_text(encoding="utf-8"))
    config["tandem_test_marker"] = 1
    (mine / "generation_config.json").write_text(json.dumps(config), encoding="utf-8")

    second = _add(DEMO / "target", mine, "two", load=False).record
    after = read_manifest(layout.model_dir(second.draft))
    assert after is not None
    assert after.source["fingerprint"] != before.source["fingerprint"]
    copied = json.loads((layout.model_dir(second.draft) / "generation_config.json")
                        .read_text(encoding="utf-8"))
    assert copied["tandem_test_marker"] == 1
    # Unchanged, it is reused (no new copy): the same manifest.
    third = _add(DEMO / "target", mine, "three", load=False).record
    again = read_manifest(layout.model_dir(third.draft))
    assert again is not None and again.digest == after.digest


@pytest.mark.slow
def test_a_changed_checkpoint_folder_is_converted_again(tmp_path: Path):
    # The case: a Hugging Face folder converted once; its tokenizer.json replaced;
    # adding it again must convert afresh, not reuse the old conversion.
    mine = tmp_path / "my-hf-draft"
    shutil.copytree(DEMO / "hf" / "draft", mine)

    def add_and_watch(name: str) -> tuple[object, list[str]]:
        stages: list[str] = []
        result = add(str(DEMO / "target"), str(mine), name, lambda e: stages.append(e.stage),
                     CancelToken(), load=False)
        assert result.ok, result.problems
        return result.record, stages

    first, stages = add_and_watch("one")
    assert "convert" in stages
    tokenizer = json.loads((mine / "tokenizer.json").read_text(encoding="utf-8"))
    (mine / "tokenizer.json").write_text(json.dumps(tokenizer, indent=1), encoding="utf-8")
    second, stages = add_and_watch("two")
    assert "convert" in stages
    assert second.draft == first.draft  # the same place, now holding the new conversion
    manifest = read_manifest(layout.model_dir(second.draft))
    assert manifest is not None
    assert manifest.source["fingerprint"] == folder_fingerprint(mine)
    _third, stages = add_and_watch("three")
    assert "convert" not in stages  # unchanged: reused
