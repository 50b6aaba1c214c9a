"""The remote backend: a Session over an OpenAI-compatible or TGI server."""

from __future__ import annotations

from app.core.engine.remote.endpoint import (
    Endpoint,
    Protocol,
    find_endpoint,
    load_endpoints,
    redact_url,
    save_endpoints,
)
from app.core.engine.remote.errors import RemoteError
from app.core.engine.remote.probe import ServerInfo, probe
from app.core.engine.remote.session import RemoteSession, open_endpoint

__all__ = ["Endpoint", "Protocol", "RemoteError", "RemoteSession", "ServerInfo",
           "find_endpoint", "load_endpoints", "open_endpoint", "probe", "redact_url",
           "save_endpoints"]
