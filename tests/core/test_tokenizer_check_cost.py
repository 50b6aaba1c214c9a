"""A load's tokenizer check builds no GenAI tokenizer it can do without (building one holds
the GIL for 70-120 ms, a stall of the window's GUI thread while a worker loads)."""

from __future__ import annotations

import shutil
from pathlib import Path

import openvino_genai
import pytest

from app.core.engine import tokenizer_check
from app.core.engine.errors import TokenizerMismatchError
from app.core.engine.pair import PairSpec
from app.core.engine.preflight import check_tokenizers
from app.core.engine.tokenizer_check import TOKENIZER_FILES, folder_differences


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every `openvino_genai.Tokenizer` built from here on, by folder (the real one)."""
    made: list[str] = []
    real = openvino_genai.Tokenizer

    def counting(folder: str, *args: object, **kwargs: object) -> object:
        made.append(Path(folder).name)
        return real(folder, *args, **kwargs)

    monkeypatch.setattr(openvino_genai, "Tokenizer", counting)
    monkeypatch.setattr(tokenizer_check, "_known", {})
    return made


def _pair_sharing_the_target_tokenizer(demo_dir: Path, out: Path) -> Path:
    draft = out / "draft"
    shutil.copytree(demo_dir / "draft", draft)
    for name in TOKENIZER_FILES:
        shutil.copy2(demo_dir / "target" / name, draft / name)
    return draft


def test_identical_tokenizer_files_need_no_tokenizer(demo_dir, tmp_path, builds):
    draft = _pair_sharing_the_target_tokenizer(demo_dir, tmp_path)
    check_tokenizers(PairSpec(demo_dir / "target", draft))
    assert builds == []


def test_each_tokenizer_content_is_built_once_per_process(demo_dir, tmp_path, builds):
    # The demo's draft tokenizer has the target's vocabulary in other IR node names, so
    # the first check builds both; a copy of the draft (another path, same bytes) and a
    # second check build nothing more.
    spec = PairSpec(demo_dir / "target", demo_dir / "draft")
    check_tokenizers(spec)
    assert sorted(builds) == ["draft", "target"]
    copy = tmp_path / "copied-draft"
    shutil.copytree(demo_dir / "draft", copy)
    check_tokenizers(spec)
    check_tokenizers(PairSpec(demo_dir / "target", copy))
    assert sorted(builds) == ["draft", "target"]


def test_a_changed_tokenizer_is_fingerprinted_again(demo_dir, tmp_path, builds):
    draft = tmp_path / "draft"
    shutil.copytree(demo_dir / "draft", draft)
    assert folder_differences(demo_dir / "target", draft) == []
    for name in TOKENIZER_FILES:  # the draft now carries the other tokenizer
        shutil.copy2(demo_dir / "draft-othertok" / name, draft / name)
    with pytest.raises(TokenizerMismatchError, match="vocabulary size"):
        check_tokenizers(PairSpec(demo_dir / "target", draft))
    assert builds.count("draft") == 2

