"""The conversation store: round trips, search, rename/delete, corrupt files, concurrency."""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.core.conversations import (
    ORIGIN_DRAFT,
    ORIGIN_LOOKUP,
    ORIGIN_TARGET,
    Conversation,
    ConversationStore,
    Turn,
    title_from_prompt,
    to_json,
    to_markdown,
)
from app.core.engine.types import Message


def _conversation(title: str = "Adding numbers") -> Conversation:
    conv = Conversation.new(title)
    conv.system_prompt = "Be brief."
    conv.turns += [Turn("user", "Write a function to add two numbers."),
                   Turn("assistant", "```python\ndef add(a, b):\n    return a + b\n```",
                        stats={"generated_tokens": 12, "summary": "50.0 tok/s · 12 tokens"},
                        settings={"mode": "speculative_k", "k": 3},
                        tint=[(3, 1, 2, ORIGIN_DRAFT), (2, 2, 3, ORIGIN_LOOKUP),
                              (1, 2, 3, ORIGIN_TARGET)])]
    return conv


def test_round_trip_keeps_turns_stats_settings_and_tint(tmp_path: Path) -> None:
    store = ConversationStore(tmp_path)
    conv = _conversation()
    store.save(conv)
    loaded = ConversationStore(tmp_path).load(conv.id)
    assert loaded is not None
    assert loaded.to_dict() == conv.to_dict()
    assert loaded.messages() == (Message("system", "Be brief."),
                                 Message("user", conv.turns[0].content),
                                 Message("assistant", conv.turns[1].content))


def test_a_file_from_before_lookup_origins_reads_its_bools_as_draft_and_target() -> None:
    data = _conversation().to_dict()
    data["turns"][1]["tint"] = [[3, 1, 2, True], [1, 1, 2, False]]  # as older files hold it
    turn = Conversation.from_dict(json.loads(json.dumps(data))).turns[1]
    assert turn.tint == [(3, 1, 2, ORIGIN_DRAFT), (1, 1, 2, ORIGIN_TARGET)]


def test_search_rename_delete(tmp_path: Path) -> None:
    store = ConversationStore(tmp_path)
    a, b = _conversation("Adding numbers"), Conversation.new("Weather")
    store.save(a)
    store.save(b)
    assert [c.id for c in store.find("def add")] == [a.id]
    assert [c.id for c in store.find("weath")] == [b.id]
    assert {c.id for c in store.find()} == {a.id, b.id}
    store.rename(b.id, "Clouds")
    assert store.find("clouds")[0].id == b.id
    store.delete(a.id)
    assert [c.id for c in store.find()] == [b.id]


def test_corrupt_file_is_set_aside_with_a_message(tmp_path: Path) -> None:
    store = ConversationStore(tmp_path)
    good = _conversation()
    store.save(good)
    (tmp_path / "broken.json").write_text('{"id": "broken", "turns": [', encoding="utf-8")
    (tmp_path / "wrong.json").write_text('{"id": 3}', encoding="utf-8")
    assert [c.id for c in store.find()] == [good.id]
    problems = store.take_problems()
    assert len(problems) == 2 and all("could not be read" in p for p in problems)
    kept = sorted(p.name for p in tmp_path.iterdir())
    assert any(n.startswith("broken.json.corrupt-") for n in kept)
    assert any(n.startswith("wrong.json.corrupt-") for n in kept)
    assert "broken.json" not in kept


def test_a_file_that_cannot_be_read_now_is_left_alone_with_a_message(tmp_path: Path) -> None:
    # Issue 13 item 5: an OSError is not corruption. A directory named like a conversation
    # raises IsADirectoryError (an OSError) on every read, the way a sharing violation does.
    folder = tmp_path / "chats"
    store = ConversationStore(folder)
    good = _conversation()
    store.save(good)
    (folder / "locked.json").mkdir()
    assert [c.id for c in store.find()] == [good.id]
    assert [s.id for s in store.summaries()] == [good.id]
    problems = store.take_problems()
    assert len(problems) == 1 and "could not be read right now" in problems[0]
    assert "locked.json" in problems[0] and "left as it is" in problems[0]
    assert sorted(p.name for p in folder.iterdir()) == sorted([f"{good.id}.json",
                                                                 "locked.json"])


def test_a_transient_read_error_is_retried(tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    store = ConversationStore(tmp_path)
    good = _conversation()
    store.save(good)
    real = Path.read_bytes
    failures = {"left": 2}

    def flaky(self: Path) -> bytes:
        if self.name == f"{good.id}.json" and failures["left"]:
            failures["left"] -= 1
            raise OSError(errno.EIO, os.strerror(errno.EIO))
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", flaky)
    loaded = ConversationStore(tmp_path).load(good.id)
    assert loaded is not None and loaded.to_dict() == good.to_dict()
    assert failures["left"] == 0
    assert list(tmp_path.glob("*.corrupt-*")) == []


def test_set_aside_failing_never_raises(tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    store = ConversationStore(tmp_path)
    (tmp_path / "broken.json").write_text("{not json", encoding="utf-8")

    def refuse(src: object, dst: object) -> None:
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr("app.core.atomic_file.os.replace", refuse)
    assert store.find() == [] and store.summaries() == []
    problems = store.take_problems()
    assert len(problems) == 1 and "could not be renamed" in problems[0]
    assert (tmp_path / "broken.json").exists()


def test_exports(tmp_path: Path) -> None:
    conv = _conversation()
    md = to_markdown(conv)
    assert md.startswith("# Adding numbers") and "def add(a, b):" in md
    assert "*50.0 tok/s · 12 tokens*" in md
    assert json.loads(to_json(conv))["turns"][1]["stats"]["generated_tokens"] == 12


def test_title_from_prompt() -> None:
    assert title_from_prompt("  Hello\n there ") == "Hello there"
    assert len(title_from_prompt("x" * 200)) == 48


WRITER = """
import sys
from pathlib import Path
from app.core.conversations import Conversation, ConversationStore, Turn
store = ConversationStore(Path(sys.argv[1]))
conv = Conversation(id="shared", title=sys.argv[2])
for i in range(60):
    conv.turns.append(Turn("user", sys.argv[2] * 200))
    store.save(conv)
"""


def test_two_instances_saving_at_once_never_tear_a_file(tmp_path: Path) -> None:
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, str(tmp_path), name])
             for name in ("a", "b")]
    store = ConversationStore(tmp_path)
    while any(p.poll() is None for p in procs):
        for conv in store.find():  # a torn file would be set aside here
            assert conv.id == "shared"
    assert all(p.wait(timeout=60) == 0 for p in procs)
    assert store.take_problems() == []
    final = store.load("shared")
    assert final is not None and len(final.turns) == 60
    assert not list(tmp_path.glob("*.tmp")) and not list(tmp_path.glob(".*.tmp"))
