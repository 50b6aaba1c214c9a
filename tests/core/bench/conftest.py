"""A draft that is (almost) never accepted, built from real demo files."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def never_accepted_draft(demo_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    # The model of draft-othertok (its own 330-token vocabulary) behind the target's
    # tokenizer: the pair loads and passes the tokenizer check, but the ids the draft
    # proposes mean other tokens to the target, so nearly all are rejected (measured 0-10%:
    # a few frequent ids, such as spaces, coincide).
    folder = tmp_path_factory.mktemp("never-accepted-draft")
    for item in (demo_dir / "draft-othertok").glob("openvino_model.*"):
        shutil.copy2(item, folder / item.name)
    shutil.copy2(demo_dir / "draft-othertok" / "config.json", folder / "config.json")
    for item in (demo_dir / "target").iterdir():
        if "tokenizer" in item.name or item.name in ("generation_config.json",
                                                     "chat_template.jinja"):
            shutil.copy2(item, folder / item.name)
    return folder
