"""API keys for endpoints: from the environment or the OS keyring, never from a file.

Lookup order: the endpoint's own variable (`key_env`), then TANDEM_REMOTE_API_KEY, then
the keyring entry saved by the endpoint editor. A keyring without a usable backend (a
headless Linux box) counts as "no key", not as an error.
"""

from __future__ import annotations

import logging
import os

from app.core.engine.errors import InvalidSettingsError
from app.core.engine.remote.endpoint import Endpoint

log = logging.getLogger(__name__)

KEYRING_SERVICE = "tandem-remote"
GENERIC_ENV = "TANDEM_REMOTE_API_KEY"


def _keyring_get(username: str) -> str | None:
    try:
        import keyring
        import keyring.errors

        return keyring.get_password(KEYRING_SERVICE, username)
    except Exception as exc:  # any backend failure means "no stored key"
        log.info("keyring unavailable (%s); using environment keys only", type(exc).__name__)
        return None


def lookup_key(endpoint: Endpoint) -> str | None:
    for name in (endpoint.key_env, GENERIC_ENV):
        if name and os.environ.get(name):
            return os.environ[name]
    return _keyring_get(endpoint.id)


def key_source(endpoint: Endpoint) -> str:
    """Where the key would come from, for the editor (never the key itself)."""
    for name in (endpoint.key_env, GENERIC_ENV):
        if name and os.environ.get(name):
            return f"environment variable {name}"
    return "OS keyring" if _keyring_get(endpoint.id) else "none"


def store_key(endpoint: Endpoint, key: str) -> None:
    try:
        import keyring

        if key:
            keyring.set_password(KEYRING_SERVICE, endpoint.id, key)
        elif keyring.get_password(KEYRING_SERVICE, endpoint.id) is not None:
            keyring.delete_password(KEYRING_SERVICE, endpoint.id)
    except Exception as exc:
        raise InvalidSettingsError(
            f"The OS keyring could not store the key ({type(exc).__name__}).",
            "Set the key in an environment variable instead and name it in the endpoint's "
            f"key variable field (or use {GENERIC_ENV}).") from exc
