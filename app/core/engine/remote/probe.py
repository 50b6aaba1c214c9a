"""Ask a server what it is: its protocol, its models, how long a round trip takes.

`/v1/models` answers on OpenAI-compatible servers (vLLM, TGI's Messages API, OVMS,
tandem serve); `/info` with a `model_id` is TGI. The editor's "test connection" shows the
result; a session uses it to fill in the protocol and the model name.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import httpx

from app.core.engine.remote import acceptance
from app.core.engine.remote.endpoint import Endpoint, Protocol, redact_url
from app.core.engine.remote.errors import EndpointProtocolError
from app.core.engine.remote.http import make_client, status_error, translate


@dataclass(frozen=True)
class ServerInfo:
    protocol: Protocol
    kind: str  # tandem, vllm, tgi, llama.cpp or openai-compatible
    models: tuple[str, ...]
    latency_ms: float
    spec_counters: bool = False  # vLLM's /metrics has speculative-decoding counters

    def summary(self) -> str:
        models = ", ".join(self.models) or "none listed"
        return (f"{self.kind} server, {self.protocol.value} protocol, "
                f"{self.latency_ms:.0f} ms round trip; models: {models}")


def _get_json(client: httpx.Client, path: str, endpoint: Endpoint) -> tuple[int, Any, float]:
    started = time.monotonic()
    response = client.get(path)
    elapsed = (time.monotonic() - started) * 1000
    if response.status_code in (401, 403):
        raise status_error(response.status_code, "", endpoint)
    if response.status_code != 200:
        return response.status_code, None, elapsed
    try:
        return 200, response.json(), elapsed
    except ValueError:
        return 200, None, elapsed


def _kind_from_models(data: Any) -> tuple[tuple[str, ...], str]:
    items = data.get("data") if isinstance(data, dict) else None
    if not isinstance(items, list):
        return (), ""
    models = tuple(str(m["id"]) for m in items if isinstance(m, dict) and "id" in m)
    owners = {str(m.get("owned_by", "")).lower() for m in items if isinstance(m, dict)}
    for owner, kind in (("tandem", "tandem"), ("vllm", "vllm"), ("llamacpp", "llama.cpp"),
                        ("tgi", "tgi")):
        if owner in owners:
            return models, kind
    return models, "openai-compatible"


def probe(endpoint: Endpoint, api_key: str | None,
          client: httpx.Client | None = None) -> ServerInfo:
    own = client is None
    client = client or make_client(endpoint, api_key)
    try:
        return _probe(client, endpoint)
    except httpx.HTTPError as exc:
        raise translate(exc, endpoint) from exc
    finally:
        if own:
            client.close()


def _probe(client: httpx.Client, endpoint: Endpoint) -> ServerInfo:
    latency: float | None = None
    models: tuple[str, ...] = ()
    kind = ""
    openai_ok = False
    if endpoint.protocol in (Protocol.AUTO, Protocol.OPENAI):
        status, data, latency = _get_json(client, "/v1/models", endpoint)
        models, kind = _kind_from_models(data) if status == 200 else ((), "")
        openai_ok = bool(kind)
    tgi_model = ""
    if endpoint.protocol is Protocol.TGI or kind in ("", "openai-compatible", "tgi"):
        status, info, elapsed = _get_json(client, "/info", endpoint)
        latency = latency if latency is not None else elapsed
        if status == 200 and isinstance(info, dict) and info.get("model_id"):
            tgi_model = str(info["model_id"])
            kind = "tgi"
    if endpoint.protocol is Protocol.OPENAI or (endpoint.protocol is Protocol.AUTO
                                                and openai_ok):
        protocol = Protocol.OPENAI
    elif tgi_model:
        protocol = Protocol.TGI
        models = models or (tgi_model,)
    else:
        raise EndpointProtocolError(
            f"{redact_url(endpoint.url)} answered, but neither /v1/models nor /info.",
            "Check the address: give the server's root (for example http://host:8000).")
    counters = kind == "vllm" and _has_spec_counters(client)
    return ServerInfo(protocol, kind or "openai-compatible", models, latency or 0.0, counters)


def _has_spec_counters(client: httpx.Client) -> bool:
    sample = scrape_metrics(client)
    return sample is not None and acceptance.has_spec_counters(sample)


def scrape_metrics(client: httpx.Client) -> dict[str, float] | None:
    try:
        response = client.get("/metrics")
    except httpx.HTTPError:
        return None
    if response.status_code != 200:
        return None
    return acceptance.parse_prometheus(response.text)
