"""Fixtures for the Models page tests: the local test hub, a test catalog, a window."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from huggingface_hub.utils import logging as hf_logging
from PySide6.QtWidgets import QApplication

from app import paths
from app.ui.main_window import MainWindow
from app.ui.theme import theme
from tests.fixtures.hub_server import FakeHub, demo_hub
from tests.fixtures.memory_keyring import MemoryKeyring, in_memory_keyring

hf_logging.get_logger("huggingface_hub")  # bind its stderr handler outside any test

ROOT = Path(__file__).resolve().parents[3]
DEMO = ROOT / "resources" / "demo"
CATALOG = """
schema = 1

[draft_rules]
llama = "tandem-demo/demo-draft-ov"

[[pair]]
id = "ov-pair"
name = "Pre-converted demo pair"
tasks = ["chat"]
default_k = 3
download_gb = 0.004
ram_gb = 0.1

[pair.target]
repo = "tandem-demo/demo-target-ov"
format = "ov"
weights = "fp32"
license = "apache-2.0"

[pair.draft]
repo = "tandem-demo/demo-draft-ov"
format = "ov"
weights = "fp32"
license = "apache-2.0"

[[pair]]
id = "gated-pair"
name = "Gated demo pair"
tasks = ["code"]
default_k = 3
download_gb = 0.004
ram_gb = 0.1

[pair.target]
repo = "tandem-demo/gated-target-ov"
format = "ov"
weights = "fp32"
license = "demo-licence"
gated = true

[pair.draft]
repo = "tandem-demo/demo-draft-ov"
format = "ov"
weights = "fp32"
license = "apache-2.0"

[[pair]]
id = "hf-pair"
name = "Demo checkpoints (converted here)"
tasks = ["chat"]
default_k = 3
download_gb = 0.004
ram_gb = 0.1

[pair.target]
repo = "tandem-demo/demo-target"
format = "hf"
weights = "int8"
license = "apache-2.0"

[pair.draft]
repo = "tandem-demo/demo-draft"
format = "hf"
weights = "int8"
license = "apache-2.0"
"""
GRANTED = "hf_granted_test_token_1234"


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    with in_memory_keyring() as memory:
        yield memory


@pytest.fixture
def catalog_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "models.toml"
    path.write_text(CATALOG, encoding="utf-8")
    monkeypatch.setattr(paths, "catalog_file", lambda: path)
    return path


@pytest.fixture
def hub(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, memory_keyring: MemoryKeyring,
        catalog_file: Path) -> Iterator[FakeHub]:
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf-home"))
    for name in ("HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE", "HF_TOKEN", "HUGGING_FACE_HUB_TOKEN",
                 "HF_TOKEN_PATH", "HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"):
        monkeypatch.delenv(name, raising=False)
    server = demo_hub(DEMO / "hf", max_lifetime_s=900)
    server.add_repo("tandem-demo/demo-target-ov", DEMO / "target")
    server.add_repo("tandem-demo/demo-draft-ov", DEMO / "draft")
    server.add_repo("tandem-demo/gated-target-ov", DEMO / "target", gated=True,
                    allowed_tokens={GRANTED})
    monkeypatch.setenv("HF_ENDPOINT", server.endpoint)
    yield server
    server.stop()


@pytest.fixture
def window(qtbot, hub: FakeHub) -> Iterator[MainWindow]:  # type: ignore[no-untyped-def]
    app = QApplication.instance()
    assert isinstance(app, QApplication)
    theme.apply(app)
    win = MainWindow(autoload=False)
    qtbot.addWidget(win)
    win.show()
    win.tabs.setCurrentWidget(win.models_tab)
    yield win
    win.models_tab.shutdown()
    win.generation.shutdown()
    win.race_tab.shutdown()


