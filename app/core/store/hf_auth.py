"""The Hugging Face token for gated repos: environment, OS keyring, or huggingface_hub's login.

Lookup order: HF_TOKEN / HUGGING_FACE_HUB_TOKEN, then the token Tandem saved in the OS
keyring (from the window), then the file written by `hf auth login` under HF_HOME. The
token never goes to Tandem's own files, logs or exports. A keyring without a usable
backend (a headless Linux box) counts as "no token", not as an error.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

log = logging.getLogger(__name__)

KEYRING_SERVICE = "tandem-huggingface"
KEYRING_USER = "token"


class TokenStoreError(Exception):
    """The keyring could not store or delete the token."""

    def __init__(self, message: str, hint: str) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


def _hf_home() -> Path:
    env = os.environ
    home = env.get("HF_HOME") or os.path.join(
        env.get("XDG_CACHE_HOME", os.path.join(os.path.expanduser("~"), ".cache")),
        "huggingface")
    return Path(os.path.expanduser(os.path.expandvars(home)))


def _keyring_token() -> str | None:
    try:
        import keyring

        return keyring.get_password(KEYRING_SERVICE, KEYRING_USER) or None
    except Exception as exc:  # any backend failure means "no stored token"
        log.info("keyring unavailable (%s)", type(exc).__name__)
        return None


def _login_token() -> str | None:
    path = Path(os.environ.get("HF_TOKEN_PATH") or _hf_home() / "token")
    try:
        text = path.read_text(encoding="utf-8").strip()
    except OSError:
        return None
    return text or None


def token_source() -> str:
    """Where the token would come from, for the window (never the token itself)."""
    for name in ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN"):
        if os.environ.get(name):
            return f"environment variable {name}"
    if _keyring_token():
        return "OS keyring"
    if _login_token():
        return "huggingface_hub login"
    return "none"


def load_token() -> str | None:
    for name in ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN"):
        if os.environ.get(name):
            return os.environ[name]
    return _keyring_token() or _login_token()


def save_token(token: str) -> None:
    """Store the token in the OS keyring; an empty token deletes the stored one."""
    try:
        import keyring

        token = token.strip()
        if token:
            keyring.set_password(KEYRING_SERVICE, KEYRING_USER, token)
        elif keyring.get_password(KEYRING_SERVICE, KEYRING_USER) is not None:
            keyring.delete_password(KEYRING_SERVICE, KEYRING_USER)
    except Exception as exc:
        raise TokenStoreError(
            f"The OS keyring could not store the token ({type(exc).__name__}).",
            "Set HF_TOKEN in the environment instead, or log in with `hf auth login`.",
        ) from exc


def clear_token() -> None:
    save_token("")
