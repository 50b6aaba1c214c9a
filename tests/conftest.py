"""Shared fixtures: offscreen Qt by default, a private data dir per test, the demo pair."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "resources" / "demo"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--headed", action="store_true", help="show Qt windows on screen")


def pytest_configure(config: pytest.Config) -> None:
    if config.getoption("--headed"):
        os.environ["QT_QPA_PLATFORM"] = os.environ.get("TANDEM_HEADED_PLATFORM", "xcb")


@pytest.fixture(autouse=True)
def tandem_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    home = tmp_path / "tandem-home"
    home.mkdir()
    monkeypatch.setenv("TANDEM_HOME", str(home))
    yield home


@pytest.fixture(scope="session")
def demo_dir() -> Path:
    return DEMO


@pytest.fixture(scope="session")
def plain_session():  # type: ignore[no-untyped-def]
    from app.core.engine import PairSpec, load_session

    session = load_session(PairSpec(DEMO / "target"))
    yield session
    session.close()


@pytest.fixture(scope="session")
def draft_session():  # type: ignore[no-untyped-def]
    from app.core.engine import PairSpec, load_session

    session = load_session(PairSpec(DEMO / "target", DEMO / "draft"))
    yield session
    session.close()


@pytest.fixture(scope="session")
def lookup_session():  # type: ignore[no-untyped-def]
    from app.core.engine import Mode, PairSpec, load_session

    session = load_session(PairSpec(DEMO / "target", mode=Mode.PROMPT_LOOKUP))
    yield session
    session.close()
