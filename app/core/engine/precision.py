"""Exact mode: the arithmetic a device computes in, and the f32 override.

OpenVINO picks a floating-point inference precision per device unless told otherwise: the
CPU plugin uses bf16 where the CPU has native bf16 units (AVX512_BF16 or AMX: Xeon from
Cooper Lake and Sapphire Rapids on) and f32 elsewhere (client Core Ultra CPUs have neither),
the GPU and NPU plugins use f16. In bf16 or f16 a multi-token verification pass can round a
near-tie between the target's top two tokens the other way than a one-token step does, so
greedy speculative text may differ from plain at such a tie. Exact mode asks every model of
a pair for f32 (`INFERENCE_PRECISION_HINT`), where the two agree token for token, at the cost
measured in benchmarks/results/real/exact.md.

The KV cache has a precision of its own. Plain text comes from GenAI's stateful pipeline,
whose CPU cache holds f16; its speculative pipeline runs on paged attention, whose CPU cache
defaults to u8 (the plugin's KV_CACHE_PRECISION), so even in f32 the two read back different
keys and values and part at clear margins (0.12-0.23 on the real pair). Exact mode therefore
also fixes the cache (`KV_CACHE_PRECISION` f16, what plain uses anyway) for every model.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from app.core.engine.model_folder import runtime_properties

PRECISION_HINT = "INFERENCE_PRECISION_HINT"
KV_CACHE_PRECISION = "KV_CACHE_PRECISION"
EXACT = "f32"
EXACT_KV_CACHE = "f16"


def exact_properties(exact: bool) -> dict[str, str]:
    """The OpenVINO properties Exact mode adds to every model it loads (none when off)."""
    return {PRECISION_HINT: EXACT, KV_CACHE_PRECISION: EXACT_KV_CACHE} if exact else {}


@lru_cache(maxsize=16)
def default_precision(device: str) -> str:
    """The precision `device` computes in when nothing asks otherwise ("bf16", "f32", "f16"),
    or "" when OpenVINO cannot say (an unknown or missing device, a remote server)."""
    try:
        import openvino as ov

        value = ov.Core().get_property(device, PRECISION_HINT)
    except Exception:  # any failure means "unknown", never an error
        return ""
    to_string = getattr(value, "to_string", None)
    return str(to_string() if callable(to_string) else value)


def describe_precision(device: str, exact: bool) -> str:
    """What the user is told, e.g. "f32 (Exact)" or "bf16 (CPU default)"."""
    if exact:
        return f"{EXACT} (Exact)"
    found = default_precision(device)
    return f"{found} ({device} default)" if found else f"{device} default"


def effective_precision(target: Path, device: str, properties: dict[str, str]) -> str:
    """The precision a target folder computes in on `device` with the caller's `properties`
    (a pair's `load_properties()`): theirs, else the folder's own wish, else the device's."""
    asked = {**runtime_properties(target), **properties}.get(PRECISION_HINT, "")
    return asked or default_precision(device)
