"""Real conversions of the demo checkpoints, pulled from the test hub.

Kept to the minimum: two conversions that are stopped early (cancel, then SIGKILL) and
one full pull that converts the target to int8 and the draft to int4.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from app import cli
from app.core.engine import GenerationRequest, PairSpec, load_session
from app.core.store import layout, records
from app.core.store.convert import ConversionNeeds, check_resources, estimate_needs
from app.core.store.events import (
    CancelledError,
    CancelToken,
    ConversionError,
    NotEnoughResourcesError,
    Progress,
    StoreError,
)
from app.core.store.manifest import read_manifest
from app.core.store.pairs import list_ready_pairs, store_ready_pairs
from app.core.store.pull import pull
from app.core.store.verify import verify
from tests.core.store.conftest import DEMO_HF, ROOT
from tests.fixtures.hub_server import FakeHub

GB = 2**30


def _converters() -> list[psutil.Process]:
    found = []
    for child in psutil.Process().children(recursive=True):
        try:
            if "app.core.store.convert_export" in " ".join(child.cmdline()):
                found.append(child)
        except psutil.NoSuchProcess:
            pass
    return found


def _nothing_ready() -> None:
    assert store_ready_pairs() == []
    assert records.load("demo") is None
    installed = [p for p in layout.root().glob("*/*") if read_manifest(p) is not None]
    assert installed == []
    assert not any(layout.staging_root().glob("*")) if layout.staging_root().exists() else True
    with pytest.raises(StoreError, match="No pair called 'demo'"):
        verify("demo", lambda e: None, CancelToken())
    assert list_ready_pairs()[0].target == ROOT / "resources" / "demo" / "target"


def test_conversion_refuses_with_numbers_when_memory_or_disk_is_short(tmp_path: Path):
    needs = estimate_needs(DEMO_HF / "target", "int8")
    assert needs.ram_bytes > needs.checkpoint_bytes > 0
    with pytest.raises(NotEnoughResourcesError) as err:
        check_resources(ConversionNeeds(30 * GB, GB, 16 * GB), "meta-llama/x", tmp_path,
                        available_ram=12 * GB, free_disk=100 * GB)
    assert "30.0 GB of free memory; 12.0 GB is free" in err.value.message
    with pytest.raises(NotEnoughResourcesError) as err:
        check_resources(ConversionNeeds(GB, 5 * GB, GB), "x", tmp_path,
                        available_ram=12 * GB, free_disk=2 * GB)
    assert "5.0 GB of free disk" in err.value.message and "2.0 GB is free" in err.value.message


@pytest.mark.slow
@pytest.mark.convert
def test_cancel_and_sigkill_leave_nothing_ready_then_a_pull_converts_and_generates(
        hub: FakeHub, capsys: pytest.CaptureFixture[str]):
    # 1. Cancel (as Ctrl+C or a Cancel button does) while the target is being exported.
    token = CancelToken()

    def cancel_during_export(event: Progress) -> None:
        if event.stage == "convert" and (event.fraction or 0) >= 0.10:
            token.cancel()

    with pytest.raises(CancelledError):
        pull("demo", cancel_during_export, token)
    assert _converters() == []
    _nothing_ready()

    # 2. SIGKILL the conversion subprocess in the middle of its work.
    killed: list[int] = []

    def kill_during_export(event: Progress) -> None:
        if event.stage == "convert" and (event.fraction or 0) >= 0.10 and not killed:
            for proc in _converters():
                killed.append(proc.pid)
                os.kill(proc.pid, signal.SIGKILL)

    with pytest.raises(ConversionError, match="killed"):
        pull("demo", kill_during_export, CancelToken())
    assert killed and not any(psutil.pid_exists(p) and psutil.Process(p).status() !=
                              psutil.STATUS_ZOMBIE for p in killed)
    _nothing_ready()

    # 3. The next pull, from the command line, completes: target to int8, draft to int4,
    #    tokenizer aligned, verified, both models loaded.
    capsys.readouterr()
    started = time.monotonic()
    assert cli.main(["models", "pull", "demo"]) == 0
    elapsed = time.monotonic() - started
    captured = capsys.readouterr()
    assert "demo: ready" in captured.out and "tandem generate --pair demo" in captured.out
    for line in ("[target] downloading tandem-demo/demo-target",
                 "[target] converting tandem-demo/demo-target: exporting the model (int8)",
                 "[draft] converting tandem-demo/demo-draft: exporting the model (int4)",
                 "[draft] comparing the draft's tokenizer", "loading both models"):
        assert line in captured.err, line
    record = records.load("demo")
    assert record is not None and record.verified
    assert record.target == "tandem-demo--demo-target/int8"
    assert record.draft.startswith("tandem-demo--demo-draft/int4-tok")
    assert record.tokenizers == "aligned"
    target_dir, draft_dir = (layout.model_dir(record.target), layout.model_dir(record.draft))
    for folder, weights in ((target_dir, "int8"), (draft_dir, "int4")):
        manifest = read_manifest(folder)
        assert manifest is not None and manifest.weights == weights
        assert manifest.data["converted"] is True
        assert manifest.source["commit"] == hub.repos[manifest.source["repo"]].sha
        assert all(len(f["sha256"]) == 64 for f in manifest.files.values())
    # Compressed for real: int8 about a quarter of the fp32 IR, int4 smaller still.
    demo = ROOT / "resources" / "demo"
    fp32_target = (demo / "target" / "openvino_model.bin").stat().st_size
    assert (target_dir / "openvino_model.bin").stat().st_size < 0.45 * fp32_target
    fp32_draft = (demo / "draft" / "openvino_model.bin").stat().st_size
    assert (draft_dir / "openvino_model.bin").stat().st_size < 0.45 * fp32_draft

    ready = list_ready_pairs()
    assert ready[0].id == "demo" and ready[0].target == target_dir  # the pulled copy
    assert ready[0].draft == draft_dir and not ready[0].universal

    # Generate from the converted pair: speculative output equals the target's own.
    request = GenerationRequest.chat("Tell me about speculative decoding.",
                                     max_new_tokens=40, num_assistant_tokens=3)
    with_draft = load_session(PairSpec(target_dir, draft_dir))
    plain = load_session(PairSpec(target_dir))
    try:
        fast = with_draft.generate(request, lambda e: None, None)
        slow = plain.generate(request, lambda e: None, None)
    finally:
        with_draft.close()
        plain.close()
    assert fast.text and fast.text == slow.text
    assert fast.stats.accepted_tokens and fast.stats.accepted_tokens > 0
    print(f"\nfull demo pull with two conversions: {elapsed:.1f} s")

    # And the command-line face uses it.
    assert cli.main(["generate", "--pair", "demo", "--json", "--max-new-tokens", "8",
                     "Hello!"]) == 0


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.slow
def test_ctrl_c_cancels_a_pull_cleanly(hub: FakeHub, tandem_home: Path):
    hub.add_fault("model.safetensors", "slow", seconds=30.0)
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    # A shell's background job inherits SIGINT ignored, and Python then never raises
    # KeyboardInterrupt: give the child the default disposition, as a terminal would.
    proc = subprocess.Popen([sys.executable, "-m", "app", "models", "pull", "demo"],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True,
                            preexec_fn=_default_sigint)
    try:
        deadline = time.monotonic() + 60
        while not hub.gets("model.safetensors") and time.monotonic() < deadline:
            time.sleep(0.1)
        assert hub.gets("model.safetensors"), "the download never started"
        time.sleep(0.5)
        proc.send_signal(signal.SIGINT)
        _out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err
    assert "Cancelled" in err and "Traceback" not in err
    staging = tandem_home / "models" / layout.STAGING
    assert not staging.exists() or not any(staging.iterdir())
    listing = subprocess.run([sys.executable, "-m", "app", "models", "list", "--json"],
                             cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    rows = {r["id"]: r for r in json.loads(listing.stdout)["pairs"]}
    assert rows["demo"]["status"] == "ready (bundled)"


def test_without_the_conversion_tools_the_message_says_how_to_get_them(tmp_path: Path,
                                                                        monkeypatch):
    import app.core.store.convert as convert

    monkeypatch.setattr(convert, "conversion_available", lambda: False)
    with pytest.raises(ConversionError) as err:
        convert.run_conversion(DEMO_HF / "target", tmp_path / "out", "int8", lambda e: None,
                               CancelToken(), label="demo")
    assert "conversion tools" in err.value.message
    assert "tandem[convert]" in err.value.hint and "OpenVINO IR" in err.value.hint
