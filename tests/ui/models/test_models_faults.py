"""Faults on the Models page: each gives a clear message and leaves the store consistent."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import psutil
import pytest

from app.core.store import layout, records
from app.ui.main_window import MainWindow
from app.ui.models.models_view import COL_CONVERSION, COL_RAM
from tests.fixtures.hub_server import FakeHub
from tests.ui.models.conftest import DEMO, ROOT
from tests.ui.models.helpers import pair_ids, run_job

MB = 2**20


def _no_staging() -> bool:
    staging = layout.staging_root()
    return not staging.exists() or not any(staging.iterdir())


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(signal, "SIGXFSZ"), reason="needs POSIX file-size limits")
def test_a_disk_that_fills_during_the_download(qtbot, window: MainWindow, hub: FakeHub):
    import resource

    # A real write failure in the middle of the big file: the process may not grow any
    # file past 1 MB (EFBIG, as a full disk gives ENOSPC), with the 3.5 MB file half-sent.
    hub.add_fault("openvino_model.bin", "slow", times=1, seconds=1.0)
    old_handler = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (1 * MB, hard))
    try:
        kind, error = run_job(qtbot, window,
                              lambda: window.models_tab.controller.pull("ov-pair"))
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, old_handler)
    assert kind == "failed" and error["kind"] == "not_enough_resources"  # type: ignore[index]
    text = window.models_tab.view.message_text()
    assert "The disk filled up while downloading" in text and "Free some space" in text
    assert records.all_records() == [] and _no_staging()
    # With room again, the same pull completes.
    kind, result = run_job(qtbot, window, lambda: window.models_tab.controller.pull("ov-pair"))
    assert kind == "finished" and result.ok  # type: ignore[attr-defined]


def test_not_enough_memory_to_convert(qtbot, window: MainWindow, hub: FakeHub,
                                      monkeypatch: pytest.MonkeyPatch):
    small = SimpleNamespace(available=64 * MB, total=64 * MB)
    monkeypatch.setattr(psutil, "virtual_memory", lambda: small)
    window.models_tab.controller.refresh()
    item = window.models_tab.view.catalog_item("hf-pair")
    assert item is not None and item.text(COL_RAM).startswith("won't fit")
    kind, _ = run_job(qtbot, window, lambda: window.models_tab.controller.pull("hf-pair"))
    assert kind == "failed"
    text = window.models_tab.view.message_text()
    assert "of free memory; 0.1 GB is free" in text and "Close other programs" in text
    assert records.all_records() == [] and _no_staging()


def test_a_truncated_bin_is_never_offered_as_ready(qtbot, window: MainWindow,
                                                   tmp_path: Path):
    broken = tmp_path / "broken-target"
    shutil.copytree(DEMO / "target", broken)
    weights = broken / "openvino_model.bin"
    weights.write_bytes(weights.read_bytes()[: weights.stat().st_size // 2])
    kind, outcome = run_job(qtbot, window, lambda: window.models_tab.controller.add(
        str(broken), str(DEMO / "draft"), "Broken"))
    text = window.models_tab.view.message_text()
    if kind == "finished":  # installed, then failed its verification
        assert not outcome.ok  # type: ignore[attr-defined]
        assert "broken is not ready" in text and "loading failed" in text
        row = window.models_tab.view.local.topLevelItem(0)
        assert row.text(1).startswith("failed verify")
    else:
        assert "openvino_model.bin" in text
    assert "broken" not in pair_ids(window.chat_tab.controls.pair)


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen"}


@pytest.mark.slow
def test_the_same_pair_from_the_window_and_the_cli_at_once(
        qtbot, window: MainWindow, hub: FakeHub, catalog_file: Path,
        monkeypatch: pytest.MonkeyPatch):
    # 1. The window pulls; the CLI, started meanwhile, is refused with who holds the pair.
    hub.add_fault("openvino_model.bin", "slow", times=1, seconds=8.0)
    controller = window.models_tab.controller
    job = controller.pull("ov-pair")
    assert job is not None
    lock = layout.root() / ".locks" / "ov-pair.lock"
    qtbot.waitUntil(lock.exists, timeout=10_000)
    code = (f"from pathlib import Path; import app.paths as p; "
            f"p.catalog_file = lambda: Path({str(catalog_file)!r}); "
            "from app import cli; raise SystemExit(cli.main(['models', 'pull', 'ov-pair']))")
    cli = subprocess.run([sys.executable, "-c", code], env=_env(), capture_output=True,
                         text=True, timeout=120)
    assert cli.returncode != 0
    assert f"already being pulled or added by another Tandem process (pid {os.getpid()})" \
        in cli.stderr
    qtbot.waitUntil(lambda: not window.models_tab.jobs.busy, timeout=60_000)
    assert "Pre-converted demo pair is ready" in window.models_tab.view.message_text()
    assert records.load("ov-pair") is not None
    assert not lock.exists()
    # 2. Another process holds the pair: the window says so and changes nothing.
    hold = subprocess.Popen(
        [sys.executable, "-c", "import time; from app.core.store.job_lock import pair_lock\n"
         "with pair_lock('ov-pair'):\n    print('held', flush=True); time.sleep(60)"],
        env=_env(), stdout=subprocess.PIPE, text=True)
    try:
        assert hold.stdout is not None and hold.stdout.readline().strip() == "held"
        kind, _ = run_job(qtbot, window, lambda: controller.pull("ov-pair"))
        assert kind == "failed"
        assert f"another Tandem process (pid {hold.pid})" in \
            window.models_tab.view.message_text()
        # Removing it meanwhile is refused the same way.
        monkeypatch.setattr(controller, "confirm", lambda title, text: True)
        assert not controller.remove("ov-pair")
        assert f"another Tandem process (pid {hold.pid})" in \
            window.models_tab.view.message_text()
    finally:
        hold.kill()
        hold.wait(10)
    assert records.load("ov-pair") is not None and _no_staging()


def test_an_install_that_cannot_convert_refuses_before_downloading(
        qtbot, window: MainWindow, hub: FakeHub, monkeypatch: pytest.MonkeyPatch):
    import app.core.store.overview as overview
    import app.core.store.preflight as preflight

    monkeypatch.setattr(preflight, "conversion_available", lambda gguf=False: False)
    monkeypatch.setattr(overview, "conversion_available", lambda gguf=False: False)
    controller = window.models_tab.controller
    controller.refresh()
    view = window.models_tab.view
    item = view.catalog_item("hf-pair")
    assert item is not None and "this install can't" in item.text(COL_CONVERSION)
    button = view.pull_buttons["hf-pair"]
    assert not button.isEnabled() and "Pre-converted demo pair" in button.toolTip()
    assert view.pull_buttons["ov-pair"].isEnabled()
    before = len(hub.log)
    kind, _ = run_job(qtbot, window, lambda: controller.pull("hf-pair"))
    assert kind == "failed"
    text = view.message_text()
    assert "no conversion tools" in text and "Nothing was downloaded" in text
    assert "Pull ov-pair (Pre-converted demo pair" in text
    assert hub.log[before:] == []  # not one request
    assert records.all_records() == []
