"""The test hub on 127.0.0.1 with HF_ENDPOINT and a private HF_HOME pointed at it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from huggingface_hub.utils import logging as hf_logging

from tests.fixtures.hub_server import FakeHub, demo_hub
from tests.fixtures.memory_keyring import MemoryKeyring, in_memory_keyring

# huggingface_hub gives its logger a stream handler bound to sys.stderr when first used;
# bind it now, not inside a test whose captured stderr is closed afterwards.
hf_logging.get_logger("huggingface_hub")

ROOT = Path(__file__).resolve().parents[3]
DEMO_HF = ROOT / "resources" / "demo" / "hf"


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    """The OS keyring replaced by an empty in-memory one (the store reads the token there)."""
    with in_memory_keyring() as memory:
        yield memory


@pytest.fixture
def hf_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
            memory_keyring: MemoryKeyring) -> Path:
    home = tmp_path / "hf-home"
    monkeypatch.setenv("HF_HOME", str(home))
    for name in ("HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE", "HF_TOKEN", "HUGGING_FACE_HUB_TOKEN",
                 "HF_TOKEN_PATH", "HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"):
        monkeypatch.delenv(name, raising=False)
    return home


@pytest.fixture
def hub(hf_home: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeHub]:
    server = demo_hub(DEMO_HF, max_lifetime_s=900)
    monkeypatch.setenv("HF_ENDPOINT", server.endpoint)
    yield server
    server.stop()
