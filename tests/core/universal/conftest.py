"""Fixtures for the universal backend: the demo target with its foreign-tokenizer draft."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def universal_session(demo_dir):
    from app.core.engine import Mode, PairSpec, load_session

    session = load_session(PairSpec(demo_dir / "target", demo_dir / "draft-othertok",
                                    mode=Mode.UNIVERSAL))
    yield session
    session.close()


@pytest.fixture(scope="session")
def shared_session(demo_dir):
    """The demo pair on Tandem's loop: a draft with the target's own vocabulary."""
    from app.core.engine import Mode, PairSpec, load_session

    session = load_session(PairSpec(demo_dir / "target", demo_dir / "draft",
                                    mode=Mode.UNIVERSAL))
    yield session
    session.close()
