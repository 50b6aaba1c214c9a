"""Bearer-key check for `tandem serve`; the key is compared in constant time, never echoed."""

from __future__ import annotations

import hmac

from starlette.requests import Request


def authorised(request: Request, api_key: str | None) -> bool:
    if not api_key:
        return True
    header = request.headers.get("authorization", "")
    scheme, _, given = header.partition(" ")
    if scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(given.strip().encode(), api_key.encode())
