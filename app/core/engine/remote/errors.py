"""Errors from a remote endpoint. Each keeps the text streamed before the failure.

Messages name the server by its redacted address (no user info, no query string) and
never include request headers, so an API key cannot leak into a message or a log.
"""

from __future__ import annotations

from app.core.engine.errors import TandemError


class RemoteError(TandemError):
    kind = "remote_error"

    def __init__(self, message: str, hint: str = "", partial_text: str = "") -> None:
        super().__init__(message, hint)
        # What the server streamed before the failure: the conversation keeps it.
        self.partial_text = partial_text


class EndpointUnreachableError(RemoteError):
    kind = "endpoint_unreachable"


class EndpointAuthError(RemoteError):
    kind = "endpoint_auth"


class EndpointTimeoutError(RemoteError):
    kind = "endpoint_timeout"


class EndpointProtocolError(RemoteError):
    """The server answered, but not in the protocol we expected (or it reported an error)."""

    kind = "endpoint_protocol"


class EndpointStreamBrokenError(RemoteError):
    kind = "endpoint_stream_broken"
