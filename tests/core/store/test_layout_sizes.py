"""Counting a folder's bytes while a job deletes parts of it never raises (seen: the Models
tab refreshed its disk-use line while a failed pull removed its staging folder)."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

from app.core.store.layout import folder_bytes


def test_folder_bytes_counts_files(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "x.bin").write_bytes(b"1234")
    (tmp_path / "y.bin").write_bytes(b"12")
    assert folder_bytes(tmp_path) == 6
    assert folder_bytes(tmp_path / "missing") == 0


def test_folder_bytes_while_the_folder_is_being_deleted(tmp_path: Path) -> None:
    for round_ in range(20):
        root = tmp_path / f"staging-{round_}"
        for i in range(40):
            sub = root / f"d{i}"
            sub.mkdir(parents=True)
            for j in range(10):
                (sub / f"f{j}").write_bytes(b"x" * 10)
        remover = threading.Thread(target=shutil.rmtree, args=(root,))
        remover.start()
        size = folder_bytes(root)  # must not raise FileNotFoundError
        remover.join()
        assert 0 <= size <= 40 * 10 * 10
