"""The Models page against the local test hub: pull with progress, cancel and resume,
chat with the new pair, remove it, add a local folder, a gated repo, an offline Hub."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from app.core.store import layout, records
from app.core.store.events import CancelToken, Progress
from app.core.store.pull import pull
from app.ui.main_window import MainWindow
from app.ui.models.models_view import COL_LICENCE
from app.ui.workers.store_jobs import StoreJob
from app.ui.workers.worker_host import retiring_count
from tests.fixtures.fake_gguf import write_gguf
from tests.fixtures.hub_server import FakeHub
from tests.ui.conftest import send_and_wait
from tests.ui.models.conftest import DEMO, GRANTED
from tests.ui.models.helpers import pair_ids, run_job

BIG = "openvino_model.bin"


def _events(window: MainWindow) -> list[Progress]:
    seen: list[Progress] = []

    def record(_job: StoreJob, event: Progress) -> None:
        seen.append(event)

    window.models_tab.jobs.progress.connect(record)
    return seen


def test_pull_shows_progress_then_the_pair_is_ready_in_chat_and_race(
        qtbot, window: MainWindow, hub: FakeHub):
    view = window.models_tab.view
    assert "ov-pair" not in pair_ids(window.chat_tab.controls.pair)
    hub.add_fault(BIG, "slow", times=2, seconds=1.5)
    seen = _events(window)
    bars: list[int] = []
    details: list[str] = []
    window.models_tab.jobs.progress.connect(
        lambda _j, _e: (bars.append(view.bar.value()), details.append(view.job_detail.text())))
    kind, result = run_job(qtbot, window, lambda: qtbot.mouseClick(
        view.pull_buttons["ov-pair"], Qt.MouseButton.LeftButton))
    assert kind == "finished" and result.ok, result  # type: ignore[attr-defined]
    stages = [e.stage for e in seen]
    assert stages.index("download") < stages.index("align") < stages.index("verify")
    downloads = [e for e in seen if e.stage == "download" and e.bytes_total]
    assert any(0 < e.bytes_done < e.bytes_total for e in downloads)  # seen mid-file
    assert any(0 < b < 1000 for b in bars)  # the bar moved through the middle
    assert any(" of " in d and "MB" in d for d in details)  # bytes, as text
    assert "ready" in view.message_text() and "Pre-converted demo pair" in view.message_text()
    assert view.local_ids() == ["ov-pair"]
    item = view.local.topLevelItem(0)
    assert item.text(1) == "ready" and str(layout.root()) in item.text(3)
    # The selectors of Chat and Race offer it at once, without a restart.
    assert "ov-pair" in pair_ids(window.chat_tab.controls.pair)
    assert "ov-pair" in pair_ids(window.race_tab.view.pair)
    # Chat with it.
    controls = window.chat_tab.controls
    controls.pair.setCurrentIndex(controls.pair.findData("ov-pair"))
    window.tabs.setCurrentWidget(window.chat_tab)
    answer = send_and_wait(qtbot, window, "What is the capital of France?")
    assert window.generation.spec is not None
    assert window.generation.spec.target == layout.model_dir(records.load("ov-pair").target)
    assert "Paris" in answer.text  # type: ignore[attr-defined]


def test_cancel_leaves_nothing_half_ready_and_pulling_again_resumes(
        qtbot, window: MainWindow, hub: FakeHub):
    view = window.models_tab.view
    hub.add_fault(BIG, "slow", times=1, seconds=6.0)
    seen = _events(window)

    def start_and_cancel() -> None:
        window.models_tab.controller.pull("ov-pair")
        qtbot.waitUntil(lambda: any(e.stage == "download" and e.bytes_done > 0 and
                                    e.files_done >= 1 for e in seen), timeout=30_000)
        assert view.cancel.isEnabled()
        qtbot.mouseClick(view.cancel, Qt.MouseButton.LeftButton)

    kind, error = run_job(qtbot, window, start_and_cancel)
    assert kind == "failed" and error["kind"] == "cancelled"  # type: ignore[index]
    assert "Cancelled" in view.message_text() and "resume" in view.message_text()
    assert records.load("ov-pair") is None and view.local_ids() == []
    staging = layout.staging_root()
    assert not staging.exists() or not any(staging.iterdir())
    assert not view.cancel.isEnabled()
    # Pull again: the files that finished come from the cache (the first figure counts
    # them as done), and the pair becomes ready.
    seen.clear()
    kind, result = run_job(qtbot, window, lambda: window.models_tab.controller.pull("ov-pair"))
    assert kind == "finished" and result.ok  # type: ignore[attr-defined]
    first = next(e for e in seen if e.stage == "download" and e.side == "target"
                 and e.bytes_total)
    assert 0 < first.bytes_done < first.bytes_total
    assert view.local_ids() == ["ov-pair"]


def test_several_pulls_queue_and_closing_during_a_pull_asks(
        qtbot, window: MainWindow, hub: FakeHub, monkeypatch: pytest.MonkeyPatch):
    controller = window.models_tab.controller
    hub.add_fault(BIG, "slow", times=1, seconds=4.0)
    first = controller.pull("ov-pair")
    second = controller.pull("gated-pair")
    assert first is not None and second is not None
    assert window.models_tab.jobs.current is first
    assert window.models_tab.jobs.waiting == [second]
    assert "Queued: pulling Gated demo pair" in window.models_tab.view.queue.text()
    assert controller.pull("ov-pair") is None  # the same pair twice: refused, said why
    assert "already queued or running" in window.models_tab.view.message_text()
    asked: list[str] = []
    monkeypatch.setattr(controller, "confirm",
                        lambda title, text: asked.append(text) or False)
    window.close()
    assert asked and "Close anyway" in asked[0] and window.isVisible()
    monkeypatch.setattr(controller, "confirm", lambda title, text: True)
    window.close()
    assert not window.isVisible()
    # The job thread ends on its own once the cancelled pull has cleaned up (the GUI
    # thread never waits for it); the window closes for real after that.
    qtbot.waitUntil(lambda: retiring_count() == 0, timeout=30_000)
    assert records.load("ov-pair") is None  # the cancelled pull installed nothing
    staging = layout.staging_root()
    assert not staging.exists() or not any(staging.iterdir())


def test_verify_then_remove_says_what_it_frees_and_the_selector_drops_the_pair(
        qtbot, window: MainWindow, monkeypatch: pytest.MonkeyPatch):
    controller = window.models_tab.controller
    kind, _ = run_job(qtbot, window, lambda: controller.pull("ov-pair"))
    assert kind == "finished"
    record = records.load("ov-pair")
    assert record is not None
    size = sum(layout.folder_bytes(layout.model_dir(k)) for k in (record.target, record.draft))
    # Verify re-hashes and loads it; a changed file then fails verification, visibly.
    verify, _remove = window.models_tab.view.local_buttons["ov-pair"]
    kind, result = run_job(qtbot, window,
                           lambda: qtbot.mouseClick(verify, Qt.MouseButton.LeftButton))
    assert kind == "finished" and result.ok  # type: ignore[attr-defined]
    config = layout.model_dir(record.target) / "config.json"
    config.write_text(config.read_text() + " ")
    kind, result = run_job(qtbot, window, lambda: controller.verify("ov-pair"))
    assert kind == "finished" and not result.ok  # type: ignore[attr-defined]
    assert "ov-pair is not ready" in window.models_tab.view.message_text()
    assert window.models_tab.view.local.topLevelItem(0).text(1).startswith("failed verify")
    assert "ov-pair" not in pair_ids(window.chat_tab.controls.pair)
    size = sum(layout.folder_bytes(layout.model_dir(k)) for k in (record.target, record.draft))
    asked: list[str] = []
    monkeypatch.setattr(controller, "confirm", lambda title, text: asked.append(text) or True)
    _verify, remove = window.models_tab.view.local_buttons["ov-pair"]
    qtbot.mouseClick(remove, Qt.MouseButton.LeftButton)
    mb = f"{size / 2**20:.0f} MB"
    assert mb in asked[0] and f"freed {mb}" in window.models_tab.view.message_text()
    assert records.load("ov-pair") is None
    assert not layout.model_dir(record.target).exists()
    assert window.models_tab.view.local_ids() == []
    assert "ov-pair" not in pair_ids(window.chat_tab.controls.pair)


def test_add_local_folder_fills_in_the_draft_and_refuses_what_is_not_a_model(
        qtbot, window: MainWindow, tmp_path: Path):
    controller = window.models_tab.controller
    view = window.models_tab.view
    # A truncated GGUF and a file that is not one: refused at once, with a message.
    gguf = tmp_path / "model.gguf"
    gguf.write_bytes(b"GGUF" + b"\0" * 64)
    assert controller.add(str(gguf), "", "") is None
    assert "GGUF" in view.message_text()
    text_file = tmp_path / "notes.txt"
    text_file.write_text("not a model")
    assert controller.add(str(text_file), "", "") is None
    assert "GGUF" in view.message_text()
    empty = tmp_path / "not-a-model"
    empty.mkdir()
    (empty / "notes.txt").write_text("hello")
    assert controller.add(str(empty), "", "") is None
    assert "holds neither an OpenVINO model" in view.message_text()
    assert records.all_records() == []
    # A folder of OpenVINO IR without a draft: the catalog's rule for llama picks it.
    seen = _events(window)
    kind, result = run_job(qtbot, window,
                           lambda: controller.add(str(DEMO / "target"), "", "My demo"))
    assert kind == "finished" and result.ok, result  # type: ignore[attr-defined]
    assert any("no draft given: using tandem-demo/demo-draft-ov" in e.message for e in seen)
    assert view.local_ids() == ["my-demo"]
    assert "my-demo" in pair_ids(window.chat_tab.controls.pair)


def test_add_local_offers_the_ggufs_of_lm_studio(qtbot, window: MainWindow, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch):
    home = tmp_path / "home"
    path = write_gguf(home / ".lmstudio" / "models" / "org" / "Demo-GGUF" / "demo-Q4.gguf")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("USERPROFILE", str(home))
    monkeypatch.delenv("OLLAMA_MODELS", raising=False)
    dialog = window.models_tab.controller.ask_add()
    assert dialog.offer.count() == 2 and "1 GGUF file(s) found" in dialog.offer.itemText(0)
    dialog.offer.setCurrentIndex(1)
    assert dialog.values()[0] == str(path)
    dialog.reject()


def test_gated_repo_links_the_licence_then_a_token_from_sign_in_unlocks_it(
        qtbot, window: MainWindow, hub: FakeHub, tandem_home: Path, memory_keyring):
    controller = window.models_tab.controller
    view = window.models_tab.view
    item = view.catalog_item("gated-pair")
    assert item is not None
    licence = view.catalog.itemWidget(item, COL_LICENCE)
    assert "gated" in licence.text()
    assert f'href="{hub.endpoint}/tandem-demo/gated-target-ov"' in licence.text()
    kind, _ = run_job(qtbot, window, lambda: controller.pull("gated-pair"))
    assert kind == "failed"
    text = view.message.text()
    assert "gated repository" in text and "licence" in text
    assert f'<a href="{hub.endpoint}/tandem-demo/gated-target-ov">' in text
    assert records.load("gated-pair") is None
    dialog = controller.ask_sign_in()
    dialog.token.setText(GRANTED)
    qtbot.mouseClick(dialog.save, Qt.MouseButton.LeftButton)
    assert memory_keyring.items  # in the keyring, and only there
    assert "OS keyring" in view.account.text()
    kind, result = run_job(qtbot, window, lambda: controller.pull("gated-pair"))
    assert kind == "finished" and result.ok  # type: ignore[attr-defined]
    assert any(r.authorization == f"Bearer {GRANTED}" for r in hub.log)
    for path in tandem_home.rglob("*"):
        if path.is_file():
            assert GRANTED.encode() not in path.read_bytes(), path


def test_offline_or_unreachable_hub_says_so_and_leaves_the_store_clean(
        qtbot, window: MainWindow, hub: FakeHub, monkeypatch: pytest.MonkeyPatch):
    controller = window.models_tab.controller
    view = window.models_tab.view
    hub.stop()  # nothing listens there any more
    kind, _ = run_job(qtbot, window, lambda: controller.pull("ov-pair"))
    assert kind == "failed"
    assert "Cannot reach the Hugging Face Hub" in view.message_text()
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    kind, _ = run_job(qtbot, window, lambda: controller.pull("ov-pair"))
    assert kind == "failed" and "offline mode is on" in view.message_text()
    assert records.all_records() == [] and view.local_ids() == []
    staging = layout.staging_root()
    assert not staging.exists() or not any(staging.iterdir())


def test_a_pull_from_another_process_reaches_the_selectors_without_restart(
        qtbot, window: MainWindow):
    assert "ov-pair" not in pair_ids(window.chat_tab.controls.pair)
    # The store changes behind the window's back (as `tandem models pull` does).
    assert pull("ov-pair", lambda e: None, CancelToken(), load=False).ok
    qtbot.waitUntil(lambda: "ov-pair" in pair_ids(window.chat_tab.controls.pair),
                    timeout=10_000)
    assert "ov-pair" in pair_ids(window.race_tab.view.pair)
    assert window.models_tab.view.local_ids() == ["ov-pair"]
