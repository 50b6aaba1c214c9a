"""Downloads through the real huggingface_hub client against the local test hub."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.core.store.events import CancelledError, CancelToken, HubAccessError, Progress
from app.core.store.hub import fetch, select_files
from tests.core.store.conftest import DEMO_HF
from tests.fixtures.hub_server import FakeHub

TARGET = "tandem-demo/demo-target"
FILES = sorted(p.name for p in (DEMO_HF / "target").iterdir())


def _blobs(hf_home: Path, repo: str) -> list[Path]:
    folder = hf_home / "hub" / f"models--{repo.replace('/', '--')}" / "blobs"
    return sorted(folder.iterdir()) if folder.is_dir() else []


def test_full_download_reports_bytes_and_files_and_uses_hf_home(hub: FakeHub, hf_home: Path):
    events: list[Progress] = []
    snap = fetch(TARGET, "main", "hf", events.append, CancelToken(), "target")
    assert snap.folder.is_relative_to(hf_home / "hub")  # HF_HOME honoured
    assert list(snap.files) == FILES
    for name in FILES:
        assert (snap.folder / name).read_bytes() == (DEMO_HF / "target" / name).read_bytes()
    assert snap.commit == hub.repos[TARGET].sha
    last = events[-1]
    total = sum((DEMO_HF / "target" / n).stat().st_size for n in FILES)
    assert (last.bytes_done, last.bytes_total) == (total, total)
    assert (last.files_done, last.files_total) == (len(FILES), len(FILES))
    assert all(e.stage == "download" and e.side == "target" for e in events)
    done = [e.bytes_done for e in events]
    assert done == sorted(done)  # monotonic
    # Only the files Tandem needs were requested, each once.
    assert sorted(r.path.rsplit("/", 1)[1] for r in hub.log
                  if r.method == "GET" and "/resolve/" in r.path) == FILES


def test_already_cached_files_are_not_fetched_again(hub: FakeHub, hf_home: Path):
    fetch(TARGET, "main", "hf", lambda e: None, CancelToken())
    events: list[Progress] = []
    fetch(TARGET, "main", "hf", events.append, CancelToken())
    assert all(len(hub.gets(name)) == 1 for name in FILES)
    assert events[0].bytes_done == events[0].bytes_total  # counted as done from the start


def test_cancel_in_the_middle_of_a_file_then_resume(hub: FakeHub, hf_home: Path):
    hub.add_fault("model.safetensors", "slow", seconds=4.0)
    token = CancelToken()

    def cancel_once_the_big_file_flows(event: Progress) -> None:
        if event.files_done >= len(FILES) - 1 and event.bytes_done >= 2 * 2**20:
            token.cancel()

    with pytest.raises(CancelledError):
        fetch(TARGET, "main", "hf", cancel_once_the_big_file_flows, token)
    first = hub.gets("model.safetensors")
    assert len(first) == 1
    # The partial file was discarded: no blob of that size, no temporary leftovers.
    size = (DEMO_HF / "target" / "model.safetensors").stat().st_size
    assert all(b.stat().st_size != size for b in _blobs(hf_home, TARGET))
    assert not any(b.name.endswith(".incomplete") for b in _blobs(hf_home, TARGET))

    snap = fetch(TARGET, "main", "hf", lambda e: None, CancelToken())
    assert (snap.folder / "model.safetensors").stat().st_size == size
    # Per-file resume: the small files finished before the cancel were not fetched again.
    for name in FILES:
        expected = 2 if name == "model.safetensors" else 1
        assert len(hub.gets(name)) == expected, name


def test_connection_dropped_mid_file_is_resumed_with_a_range_request(hub: FakeHub):
    hub.add_fault("model.safetensors", "drop")
    snap = fetch(TARGET, "main", "hf", lambda e: None, CancelToken())
    data = (DEMO_HF / "target" / "model.safetensors").read_bytes()
    assert (snap.folder / "model.safetensors").read_bytes() == data
    gets = hub.gets("model.safetensors")
    assert len(gets) == 2
    assert gets[0].range is None
    # It resumes from the last whole chunk it wrote, not from the start.
    start = int(gets[1].range.removeprefix("bytes=").rstrip("-"))
    assert 0 < start <= len(data) // 2


def test_server_error_mid_download_fails_clearly_and_the_next_pull_completes(hub: FakeHub):
    hub.add_fault("model.safetensors", "500")
    with pytest.raises(HubAccessError) as err:
        fetch(TARGET, "main", "hf", lambda e: None, CancelToken())
    assert "answered 500" in err.value.message
    assert "resumes" in err.value.hint
    snap = fetch(TARGET, "main", "hf", lambda e: None, CancelToken())
    assert (snap.folder / "model.safetensors").is_file()
    assert all(len(hub.gets(n)) == 1 for n in FILES if n != "model.safetensors")


def test_gated_repo_without_token_says_where_to_accept_the_licence(hub: FakeHub,
                                                                   monkeypatch):
    hub.add_repo("gated-org/gated-model", DEMO_HF / "draft", gated=True,
                 allowed_tokens={"hf_granted"})
    with pytest.raises(HubAccessError) as err:
        fetch("gated-org/gated-model", "main", "hf", lambda e: None, CancelToken())
    assert "401" in err.value.message and "gated" in err.value.message
    assert f"{hub.endpoint}/gated-org/gated-model" in err.value.hint
    assert "HF_TOKEN" in err.value.hint and "licence" in err.value.hint

    monkeypatch.setenv("HF_TOKEN", "hf_not_granted")
    with pytest.raises(HubAccessError) as err:
        fetch("gated-org/gated-model", "main", "hf", lambda e: None, CancelToken())
    assert "403" in err.value.message and "not been granted" in err.value.message

    monkeypatch.setenv("HF_TOKEN", "hf_granted")
    snap = fetch("gated-org/gated-model", "main", "hf", lambda e: None, CancelToken())
    assert (snap.folder / "model.safetensors").is_file()
    sent = {r.authorization for r in hub.log if "gated-model/resolve" in r.path}
    assert "Bearer hf_granted" in sent


def test_unknown_repo(hub: FakeHub):
    with pytest.raises(HubAccessError) as err:
        fetch("nobody/nothing", "main", "hf", lambda e: None, CancelToken())
    assert "not found" in err.value.message


def test_offline_mode_uses_the_cache_and_says_so_when_a_model_is_missing(hub: FakeHub,
                                                                         monkeypatch):
    online = fetch(TARGET, "main", "hf", lambda e: None, CancelToken())
    hub.stop()
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    offline = fetch(TARGET, "main", "hf", lambda e: None, CancelToken())
    assert offline.folder == online.folder and offline.commit == online.commit
    with pytest.raises(HubAccessError) as err:
        fetch("tandem-demo/demo-draft", "main", "hf", lambda e: None, CancelToken())
    assert "offline mode" in err.value.message and "HF_HUB_OFFLINE" in err.value.hint


def test_unreachable_hub(hf_home: Path, monkeypatch):
    server = FakeHub(max_lifetime_s=5).start()
    endpoint = server.endpoint
    server.stop()  # nothing listens there any more
    monkeypatch.setenv("HF_ENDPOINT", endpoint)
    with pytest.raises(HubAccessError) as err:
        fetch(TARGET, "main", "hf", lambda e: None, CancelToken())
    assert "Cannot reach" in err.value.message


def test_only_needed_files_are_selected():
    names = ["README.md", "config.json", "model-00001-of-00002.safetensors",
             "pytorch_model.bin", "tf_model.h5", "tokenizer.json", "training_args.bin",
             "openvino_model.xml", "openvino_model.bin", "flax_model.msgpack", ".gitattributes"]
    assert select_files(names, "hf") == ["config.json", "model-00001-of-00002.safetensors",
                                         "tokenizer.json"]
    assert select_files(["config.json", "pytorch_model-00001-of-00002.bin",
                         "training_args.bin"], "hf") == [
        "config.json", "pytorch_model-00001-of-00002.bin"]
    assert select_files(names, "ov") == ["config.json", "openvino_model.bin",
                                         "openvino_model.xml", "tokenizer.json"]
    assert select_files(names, "hf", ("*.md",)) == ["README.md"]
