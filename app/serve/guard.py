"""What `tandem serve` refuses before a request reaches a route (issue 13 item 9).

- **Host:** on a loopback address the Host header must name loopback (127.0.0.1, ::1,
  localhost). A web page that rebinds its own DNS name to 127.0.0.1 sends its own name as
  Host and is refused, so it can never read an answer.
- **Origin:** browsers send Origin with cross-site requests; anything but this server's
  own origin is refused. Clients that are not browsers (curl, the OpenAI SDKs, Tandem)
  send none.
- **Body:** POST bodies must be `application/json` (a page's no-preflight `text/plain`
  POST is refused) and at most MAX_BODY_BYTES; JSON nested too deeply is a 400.
"""

from __future__ import annotations

import ipaddress
import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from app.serve.openai_format import error_body

MAX_BODY_BYTES = 8 * 2**20
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class BadBody(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def host_name(header: str) -> str:
    """"127.0.0.1:8080" -> "127.0.0.1", "[::1]:80" -> "::1", "LocalHost" -> "localhost"."""
    header = header.strip().lower()
    if header.startswith("["):
        return header[1:].partition("]")[0]
    if header.count(":") == 1:
        return header.partition(":")[0]
    return header


def host_allowed(header: str, bound_host: str, loopback: bool) -> bool:
    if not loopback:
        return True  # another address needs an API key, which a browser page lacks
    return host_name(header) in LOOPBACK_NAMES | {bound_host.lower()}


def origin_allowed(origin: str | None, host_header: str) -> bool:
    """No Origin (not a browser) or this server's own origin."""
    if origin is None:
        return True
    return origin.strip().lower() in (f"http://{host_header.strip().lower()}",
                                      f"https://{host_header.strip().lower()}")


class HostOriginGuard:
    """ASGI middleware: refuses foreign Host and cross-origin requests with a 403."""

    def __init__(self, app: ASGIApp, bound_host: str, loopback: bool) -> None:
        self.app = app
        self.bound_host = bound_host
        self.loopback = loopback

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            headers = {k.decode("latin-1"): v.decode("latin-1")
                       for k, v in scope.get("headers", [])}
            host = headers.get("host", "")
            message = None
            if not host_allowed(host, self.bound_host, self.loopback):
                message = (f"This server answers requests for {self.bound_host}, not "
                           f"{host_name(host)[:100]!r}.")
            elif not origin_allowed(headers.get("origin"), host):
                message = "Cross-origin requests from web pages are refused."
            if message is not None:
                response = JSONResponse(error_body(message, "permission_error", 403),
                                        status_code=403)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


async def read_json_body(request: Request, limit: int = MAX_BODY_BYTES) -> Any:
    """The request's JSON body, or BadBody with the status and a sentence."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != "application/json":
        raise BadBody(415, "Send the request body as JSON with Content-Type: "
                           "application/json.")
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise BadBody(413, f"The request body is larger than {limit // 2**20} MiB.")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BadBody(413, f"The request body is larger than {limit // 2**20} MiB.")
        chunks.append(chunk)
    try:
        return json.loads(b"".join(chunks))
    except RecursionError:
        raise BadBody(400, "The request body is nested too deeply.") from None
    except (ValueError, UnicodeDecodeError):
        raise BadBody(400, "The request body is not valid JSON.") from None
