"""Before a pull: the RAM verdict, the conversion refusal with its alternative, the pair
lock across processes, a full disk, and the conversion clock."""

from __future__ import annotations

import errno
import os
import subprocess
import sys

import pytest

from app.core.catalog import parse_catalog
from app.core.store import layout
from app.core.store.convert import _Clock
from app.core.store.events import ConversionError, Progress
from app.core.store.hub import disk_full
from app.core.store.job_lock import PairBusyError, lock_path, locked_pairs, pair_lock
from app.core.store.preflight import FITS, TIGHT, WONT_FIT, check_can_convert, ram_fit
from tests.core.store.conftest import ROOT

GB = 2**30
CATALOG = parse_catalog((ROOT / "models.toml").read_text(encoding="utf-8"))


def test_ram_verdicts_against_free_and_total_memory():
    assert ram_fit(4.0, free_bytes=8 * GB, total_bytes=16 * GB).verdict == FITS
    assert ram_fit(7.0, free_bytes=8 * GB, total_bytes=16 * GB).verdict == TIGHT
    assert ram_fit(15.0, free_bytes=8 * GB, total_bytes=16 * GB).verdict == WONT_FIT
    assert "needs 7.0 GB, 8.0 GB free of 16.0 GB" in \
        ram_fit(7.0, free_bytes=8 * GB, total_bytes=16 * GB).describe()


def test_a_pair_to_convert_is_refused_before_download_naming_a_preconverted_one():
    qwen = CATALOG.find("qwen2.5-7b")
    assert qwen is not None and qwen.draft.needs_conversion
    with pytest.raises(ConversionError) as err:
        check_can_convert(qwen, CATALOG, available=False)
    text = err.value.message + " " + err.value.hint
    assert "needs its draft converted" in text and "Nothing was downloaded" in text
    assert "Pull qwen3-8b" in text  # the same family, pre-converted
    check_can_convert(qwen, CATALOG, available=True)  # a full install goes ahead
    # The installer's first real model: a pre-converted chat pair under 3 GB.
    small = [p for p in CATALOG.pairs if "chat" in p.tasks and not p.bundled
             and not p.target.needs_conversion and not p.draft.needs_conversion
             and p.download_gb < 3]
    assert [p.id for p in small] == ["phi3-mini-fastdraft"]


def test_the_pair_lock_refuses_a_second_job_and_takes_over_a_dead_owner():
    with pair_lock("p"):
        assert "p" in locked_pairs()
        with pytest.raises(PairBusyError, match="this window"):
            with pair_lock("p"):
                pass
    assert not lock_path("p").exists()
    # A lock left by a killed process is stale and taken over.
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    lock_path("p").parent.mkdir(parents=True, exist_ok=True)
    lock_path("p").write_text(dead.stdout.strip())
    with pair_lock("p"):
        assert lock_path("p").read_text() == str(os.getpid())
    assert layout.root() in lock_path("p").parents


def test_disk_full_is_recognised_through_the_exception_chain():
    try:
        try:
            raise OSError(errno.ENOSPC, "No space left on device")
        except OSError as inner:
            raise RuntimeError("download failed") from inner
    except RuntimeError as outer:
        assert disk_full(outer)
    assert not disk_full(RuntimeError("other"))


def test_the_conversion_clock_moves_between_stages_and_never_goes_back(
        monkeypatch: pytest.MonkeyPatch):
    now = [100.0]
    monkeypatch.setattr("app.core.store.convert.time.monotonic", lambda: now[0])
    seen: list[Progress] = []
    clock = _Clock(seen.append, "target", "x", estimate=100.0)
    clock.stage(Progress("convert", "target", "converting x: exporting the model",
                         fraction=0.10))
    now[0] += 50
    clock.tick()
    assert seen[-1].fraction == pytest.approx(0.5)
    assert "exporting the model · 50 s of about 100 s" in seen[-1].message
    clock.stage(Progress("convert", "target", "converting x: saving", fraction=0.30))
    assert seen[-1].fraction == pytest.approx(0.5)  # a lower stage figure: no step back
    now[0] += 500
    clock.tick()
    assert seen[-1].fraction == pytest.approx(0.95)  # over the estimate: never full
    clock.stage(Progress("convert", "target", "converting x: done", fraction=1.0))
    assert seen[-1].fraction == 1.0
