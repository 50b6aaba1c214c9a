"""Checks run before a pair is loaded: folders, devices, memory, tokenizer agreement."""

from __future__ import annotations

from app.core import sysinfo
from app.core.engine.errors import (
    DeviceUnavailableError,
    InsufficientMemoryError,
    TokenizerMismatchError,
)
from app.core.engine.model_folder import check_model_folder, weights_bytes
from app.core.engine.pair import PairSpec
from app.core.engine.tokenizer_check import folder_differences
from app.core.engine.types import Mode

# Loading needs the weights plus compiled kernels and the KV cache; 1.3x was enough for
# every model seen here, and the check only refuses when memory is clearly short.
MEMORY_FACTOR = 1.3


def check_devices(spec: PairSpec, available: list[str] | None = None) -> None:
    names = available if available is not None else sysinfo.device_names()
    wanted = [("target", spec.device)]
    if spec.resolved_mode is Mode.DRAFT:
        wanted.append(("draft", spec.resolved_draft_device))
    kinds = {n.split(".")[0] for n in names}
    for role, device in wanted:
        # "GPU" means the first GPU even when OpenVINO lists GPU.0 and GPU.1.
        if device not in names and device not in kinds and device.split(".")[0] not in names:
            raise DeviceUnavailableError(
                f"The {role} device {device!r} is not available on this machine "
                f"(available: {', '.join(names) or 'none'}).",
                "Choose one of the available devices; `tandem devices` lists them.")


def needed_bytes(spec: PairSpec) -> int:
    """About how much memory loading `spec` takes: its weights (the draft's too when its mode
    loads one) times MEMORY_FACTOR. Auto's memory cap sums this over its pipelines."""
    needed = weights_bytes(spec.target)
    if spec.draft is not None and spec.resolved_mode in (Mode.DRAFT, Mode.UNIVERSAL):
        needed += weights_bytes(spec.draft)
    return int(needed * MEMORY_FACTOR)


def check_memory(spec: PairSpec, available_bytes: int | None = None) -> None:
    needed = needed_bytes(spec)
    have = available_bytes if available_bytes is not None else sysinfo.available_memory_bytes()
    if needed > have:
        raise InsufficientMemoryError(
            f"Loading this pair needs about {needed / 2**30:.1f} GB of memory; "
            f"{have / 2**30:.1f} GB is free.",
            "Close other programs, choose a smaller pair, or use int4 weights.")


def check_tokenizers(spec: PairSpec) -> None:
    if spec.draft is None or spec.resolved_mode is not Mode.DRAFT:
        return
    found = folder_differences(spec.target, spec.draft)
    if found:
        raise TokenizerMismatchError(
            "The draft's tokenizer differs from the target's: " + "; ".join(found[:4]) + ".",
            "Pick a draft from the same model family (same tokenizer), or use the pair "
            "as a universal draft.")


def preflight(spec: PairSpec) -> None:
    """Everything that can be known to fail before loading, in order of cost."""
    check_devices(spec)
    check_model_folder(spec.target, "target")
    if spec.resolved_mode is Mode.DRAFT:
        if spec.draft is None:
            from app.core.engine.errors import InvalidSettingsError

            raise InvalidSettingsError("Speculative mode needs a draft model.",
                                       "Add a draft folder, or choose plain decoding.")
        check_model_folder(spec.draft, "draft")
    check_memory(spec)
    check_tokenizers(spec)
