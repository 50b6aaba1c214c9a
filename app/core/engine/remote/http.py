"""The HTTP client for endpoints (httpx), and the translation of its errors.

TLS verification is on unless the user turned it off for this endpoint; connect and read
timeouts come from the endpoint; only connecting is retried (the transport's `retries`
applies to connect errors alone), because a generation that started must not run twice.
"""

from __future__ import annotations

import ssl

import httpx

from app.core.engine.errors import InvalidSettingsError
from app.core.engine.remote.endpoint import Endpoint, redact_url
from app.core.engine.remote.errors import (
    EndpointAuthError,
    EndpointProtocolError,
    EndpointStreamBrokenError,
    EndpointTimeoutError,
    EndpointUnreachableError,
    RemoteError,
)

CONNECT_RETRIES = 2
USER_AGENT = "tandem-remote/0.1"


def make_client(endpoint: Endpoint, api_key: str | None) -> httpx.Client:
    verify: ssl.SSLContext | bool = endpoint.verify_tls
    if endpoint.ca_file:
        try:
            verify = ssl.create_default_context(cafile=endpoint.ca_file)
        except (OSError, ssl.SSLError) as exc:
            raise InvalidSettingsError(
                f"The CA bundle {endpoint.ca_file} could not be read ({type(exc).__name__}).",
                "Give the path of the server's CA certificate (PEM), or clear the field.") \
                from exc
    timeout = httpx.Timeout(connect=endpoint.connect_timeout_s, read=endpoint.read_timeout_s,
                            write=endpoint.read_timeout_s, pool=endpoint.connect_timeout_s)
    headers = {"User-Agent": USER_AGENT}
    if api_key:
        headers["Authorization"] = f"Bearer {api_key}"
    transport = httpx.HTTPTransport(verify=verify, retries=CONNECT_RETRIES)
    return httpx.Client(base_url=endpoint.url, timeout=timeout, headers=headers,
                        transport=transport, follow_redirects=False, trust_env=True)


def translate(exc: Exception, endpoint: Endpoint, partial_text: str = "") -> RemoteError:
    """A person-readable error for an httpx failure (never quoting headers or keys)."""
    where = redact_url(endpoint.url)
    if isinstance(exc, RemoteError):
        exc.partial_text = exc.partial_text or partial_text
        return exc
    if isinstance(exc, httpx.ConnectTimeout | httpx.ConnectError):
        text = str(exc).lower()
        if "certificate" in text or "ssl" in text:
            return EndpointUnreachableError(
                f"The TLS certificate of {where} could not be verified.",
                "Give the server's CA bundle in the endpoint editor, or fix the certificate.",
                partial_text)
        return EndpointUnreachableError(
            f"Could not connect to {where} (tried {CONNECT_RETRIES + 1} times).",
            "Check that the server is running and the address and port are right.",
            partial_text)
    if isinstance(exc, httpx.ReadTimeout):
        return EndpointTimeoutError(
            f"{where} stopped sending for {endpoint.read_timeout_s:g} s.",
            "The server may be overloaded; try again, or raise the read timeout."
            + (" The text received so far is kept." if partial_text else ""), partial_text)
    if isinstance(exc, httpx.TimeoutException):
        return EndpointTimeoutError(f"{where} timed out.", "Try again.", partial_text)
    if isinstance(exc, httpx.RemoteProtocolError | httpx.ReadError | httpx.WriteError):
        return EndpointStreamBrokenError(
            f"The connection to {where} broke in the middle of the answer.",
            "Try again; the text received so far is kept." if partial_text
            else "Try again.", partial_text)
    return EndpointProtocolError(f"Talking to {where} failed ({type(exc).__name__}).",
                                 "Check the endpoint's protocol and address.", partial_text)


def status_error(status: int, body: str, endpoint: Endpoint) -> RemoteError:
    """An error for a non-200 answer. The body is the server's, quoted briefly."""
    where = redact_url(endpoint.url)
    detail = " ".join(body.split())[:200]
    if status in (401, 403):
        return EndpointAuthError(
            f"{where} refused the request ({status}: not authorised).",
            "Check the API key (set it in the endpoint editor or its environment variable).")
    if status == 404:
        return EndpointProtocolError(
            f"{where} has no such route or model (404). {detail}".strip(),
            "Check the protocol (OpenAI or TGI) and the model name.")
    if status == 429:
        return EndpointProtocolError(f"{where} is busy (429: too many requests).",
                                     "Wait a moment and try again.")
    return EndpointProtocolError(f"{where} answered {status}. {detail}".strip(),
                                 "Check the request settings and the server's log.")
