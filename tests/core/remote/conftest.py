"""Scripted servers on 127.0.0.1 for the remote client's tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fixtures.tgi_server import Script, ScriptedServer


@pytest.fixture
def scripted() -> Iterator[ScriptedServer]:
    server = ScriptedServer(Script()).start()
    yield server
    server.close()


@pytest.fixture(autouse=True)
def no_ambient_keys(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Tests never read a developer's real keys or keyring."""
    import keyring
    from keyring.backends import null

    monkeypatch.delenv("TANDEM_REMOTE_API_KEY", raising=False)
    previous = keyring.get_keyring()
    keyring.set_keyring(null.Keyring())
    yield
    keyring.set_keyring(previous)
