"""Remote endpoints: what the user configured, saved as JSON without any key.

A record holds the address, the protocol, the model name and TLS settings. The key lives
in the environment or the OS keyring (see `keys.py`), never in this file.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import asdict, dataclass, field, replace
from enum import StrEnum
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from app import paths
from app.core.engine.errors import InvalidSettingsError


class Protocol(StrEnum):
    """How Tandem talks to a server: detected on first use, OpenAI chat completions or TGI's native
    stream."""
    AUTO = "auto"  # detected from the server on first use
    OPENAI = "openai"  # POST /v1/chat/completions (vLLM, TGI Messages API, OVMS, tandem serve)
    TGI = "tgi"  # POST /generate_stream (TGI's native SSE)


@dataclass(frozen=True)
class Endpoint:
    """A saved remote server: address, protocol, model, where its key comes from, TLS and timeouts.
    The key itself is never part of it."""
    url: str  # base address, e.g. http://gaudi.lan:8080 (no /v1)
    protocol: Protocol = Protocol.AUTO
    model: str = ""  # "" = the server's first (or only) model
    name: str = ""
    key_env: str = ""  # environment variable holding the key, if any
    verify_tls: bool = True
    ca_file: str = ""  # a private CA bundle for self-signed servers
    connect_timeout_s: float = 5.0
    read_timeout_s: float = 60.0
    id: str = field(default="")

    def __post_init__(self) -> None:
        parts = urlsplit(self.url.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise InvalidSettingsError(
                f"{redact_url(self.url)!r} is not an http(s) address.",
                "Enter the server's base address, for example http://127.0.0.1:8000.")
        if parts.username or parts.password:
            raise InvalidSettingsError(
                "The address contains a user name or password.",
                "Remove it from the address and enter the key in the key field instead.")
        path = parts.path.rstrip("/")
        if path.endswith("/v1"):  # people paste the OpenAI base URL; keep the server root
            path = path[: -len("/v1")]
        object.__setattr__(self, "url", urlunsplit((parts.scheme, parts.netloc, path, "", "")))
        object.__setattr__(self, "protocol", Protocol(self.protocol))
        if not self.id:
            object.__setattr__(self, "id", _slug(self.name or parts.netloc))

    def label(self) -> str:
        """The name shown for this endpoint: its own, or model @ host."""
        return self.name or (f"{self.model} @ {self.host}" if self.model else self.host)

    @property
    def host(self) -> str:
        """The host and port of its address."""
        return urlsplit(self.url).netloc

    def to_dict(self) -> dict[str, Any]:
        """The endpoint as endpoints.json holds it (no key)."""
        data = asdict(self)
        data["protocol"] = self.protocol.value
        return data

    @staticmethod
    def from_dict(data: dict[str, Any]) -> Endpoint:
        """An endpoint from `to_dict`'s data; unknown keys are ignored."""
        known = set(Endpoint.__dataclass_fields__)
        return Endpoint(**{k: v for k, v in data.items() if k in known})

    def with_protocol(self, protocol: Protocol) -> Endpoint:
        """The same endpoint, speaking `protocol`."""
        return replace(self, protocol=protocol)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "endpoint"


def redact_url(url: str) -> str:
    """An address safe to show: no user info, no query string (keys hide in both)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<invalid address>"
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


def endpoints_file() -> Path:
    """Where the saved endpoints are kept (endpoints.json in the user data folder)."""
    return paths.data_dir() / "endpoints.json"


def load_endpoints() -> list[Endpoint]:
    """Saved endpoints; a corrupt file is set aside (never silently dropped)."""
    file = endpoints_file()
    if not file.exists():
        return []
    try:
        raw = json.loads(file.read_text(encoding="utf-8"))
        return [Endpoint.from_dict(item) for item in raw.get("endpoints", [])]
    except (ValueError, TypeError, AttributeError, InvalidSettingsError) as exc:
        aside = file.with_suffix(".corrupt.json")
        os.replace(file, aside)
        raise InvalidSettingsError(
            f"The saved endpoints could not be read ({type(exc).__name__}); the file was "
            f"moved to {aside.name}.", "Add your endpoints again in the endpoint editor.") \
            from exc


def save_endpoints(endpoints: list[Endpoint]) -> None:
    """Replace the saved endpoints with `endpoints`; a crash leaves the old list or the new one."""
    file = endpoints_file()
    file.parent.mkdir(parents=True, exist_ok=True)
    tmp = file.with_suffix(".tmp")
    payload = {"endpoints": [e.to_dict() for e in endpoints]}
    tmp.write_text(json.dumps(payload, indent=2), encoding="utf-8")
    os.replace(tmp, file)  # write-temp-then-rename: a crash never loses the old list


def upsert_endpoint(endpoint: Endpoint) -> list[Endpoint]:
    """Save `endpoint`, replacing the one with its id; returns the saved list."""
    endpoints = [e for e in load_endpoints() if e.id != endpoint.id]
    endpoints.append(endpoint)
    save_endpoints(endpoints)
    return endpoints


def remove_endpoint(endpoint_id: str) -> list[Endpoint]:
    """Forget the endpoint with this id (its key is not touched); returns the saved list."""
    endpoints = [e for e in load_endpoints() if e.id != endpoint_id]
    save_endpoints(endpoints)
    return endpoints


def find_endpoint(endpoint_id: str) -> Endpoint:
    """The saved endpoint with this id; raises InvalidSettingsError when there is none."""
    for endpoint in load_endpoints():
        if endpoint.id == endpoint_id:
            return endpoint
    raise InvalidSettingsError(f"No saved endpoint is called {endpoint_id!r}.",
                               "Add it in the endpoint editor, or pass --endpoint URL.")
