"""Fixtures for Tandem's own loop on the demo target: a foreign-tokenizer draft, and the
draft that shares the target's vocabulary."""

from __future__ import annotations

import pytest


def _loop_session(demo_dir, draft: str):
    from app.core.engine import Mode, PairSpec, load_session

    return load_session(PairSpec(demo_dir / "target", demo_dir / draft, mode=Mode.UNIVERSAL))


@pytest.fixture(scope="session")
def universal_session(demo_dir):
    session = _loop_session(demo_dir, "draft-othertok")
    yield session
    session.close()


@pytest.fixture(scope="session")
def shared_session(demo_dir):
    session = _loop_session(demo_dir, "draft")
    yield session
    session.close()
