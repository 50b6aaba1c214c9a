"""Run a conversion in a subprocess: resource check first, progress from its lines, cancel.

The subprocess is `python -m app.core.store.convert_export`, which imports torch and
optimum-intel (the `convert` extra); the app itself never does. Cancel terminates it.
"""

from __future__ import annotations

import collections
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil

from app import paths
from app.core.store.events import (
    CancelledError,
    CancelToken,
    ConversionError,
    NotEnoughResourcesError,
    Progress,
    ProgressSink,
)
from app.core.store.gguf_file import read_gguf

GB = 2**30
# Measured here: the subprocess itself (Python, torch, optimum, nncf) peaks near 0.6 GB
# even for a tiny model, and a model adds about 2-2.5x its 16-bit checkpoint while it is
# traced and compressed (a 0.35B model peaked at 1.5-1.7 GB). The check refuses only when
# memory is clearly short, so it uses the low end.
BASE_RAM = int(0.7 * GB)
RAM_PER_CHECKPOINT_BYTE = 2.0
# Output bytes per parameter, plus tokenizer and graph files.
OUTPUT_BYTES_PER_PARAM = {"int4": 0.6, "int8": 1.05, "fp16": 2.05, "fp32": 4.05}
OUTPUT_OVERHEAD = 64 * 2**20
WEIGHT_FILES = ("*.safetensors", "pytorch_model*.bin")
# How long an export takes, for the progress bar between the subprocess's few stage lines:
# about 20 s of start-up (torch, optimum, nncf) and, measured on a 2-core CPU, about a
# minute per GB of 16-bit checkpoint (a 1.5B + 0.5B pair: 223 s).
BASE_SECONDS = 20.0
SECONDS_PER_GB = 60.0
TICK_S = 1.0


def estimate_seconds(checkpoint: int) -> float:
    return BASE_SECONDS + SECONDS_PER_GB * checkpoint / GB


# A GGUF is dequantized to float32 (4 bytes a parameter), saved, and exported from there.
GGUF_RAM_PER_PARAM = 8.0


@dataclass(frozen=True)
class ConversionNeeds:
    ram_bytes: int
    disk_bytes: int
    checkpoint_bytes: int


def checkpoint_bytes(src: Path) -> int:
    found = {p for pattern in WEIGHT_FILES for p in src.glob(pattern)}
    return sum(p.stat().st_size for p in found if p.is_file())


def _bytes_per_param(src: Path) -> float:
    try:
        config = json.loads((src / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return 2.0
    dtype = str(config.get("torch_dtype") or config.get("dtype") or "bfloat16")
    return 4.0 if "32" in dtype else 2.0


def estimate_needs(src: Path, weight_format: str) -> ConversionNeeds:
    if src.is_file():  # a GGUF: dequantized to a float32 checkpoint first
        weights = read_gguf(src, arrays=False).parameters
        ram = BASE_RAM + int(GGUF_RAM_PER_PARAM * weights)
        disk = int(weights * (4 + OUTPUT_BYTES_PER_PARAM.get(weight_format, 2.05)))
        return ConversionNeeds(ram, disk + OUTPUT_OVERHEAD, src.stat().st_size)
    ckpt = checkpoint_bytes(src)
    params = ckpt / _bytes_per_param(src)
    ram = BASE_RAM + int(RAM_PER_CHECKPOINT_BYTE * params * 2)  # as a 16-bit checkpoint
    disk = int(params * OUTPUT_BYTES_PER_PARAM.get(weight_format, 2.05)) + OUTPUT_OVERHEAD
    return ConversionNeeds(ram, disk, ckpt)


def check_resources(needs: ConversionNeeds, label: str, workdir: Path,
                    available_ram: int | None = None, free_disk: int | None = None) -> None:
    """Refuse, with the numbers, when memory or disk is clearly short."""
    ram = available_ram if available_ram is not None else psutil.virtual_memory().available
    workdir.mkdir(parents=True, exist_ok=True)
    disk = free_disk if free_disk is not None else shutil.disk_usage(workdir).free
    if needs.ram_bytes > ram:
        raise NotEnoughResourcesError(
            f"Converting {label} needs about {needs.ram_bytes / GB:.1f} GB of free memory; "
            f"{ram / GB:.1f} GB is free.",
            "Close other programs and try again, or pick a pair whose sides are already "
            "OpenVINO IR (format \"ov\" in `tandem models list`).")
    if needs.disk_bytes > disk:
        raise NotEnoughResourcesError(
            f"Converting {label} needs about {needs.disk_bytes / GB:.1f} GB of free disk in "
            f"{workdir}; {disk / GB:.1f} GB is free.",
            "Free some space (`tandem models du` shows what the store holds) and try again.")


CONVERT_MODULES = ("torch", "optimum", "nncf")
GGUF_MODULES = ("gguf", "accelerate")  # transformers' GGUF reader needs both


def conversion_available(gguf: bool = False) -> bool:
    # find_spec on the top-level package does not import it.
    return all(importlib.util.find_spec(name) is not None
               for name in CONVERT_MODULES + (GGUF_MODULES if gguf else ()))


def _progress_line(line: str, side: str, label: str) -> Progress | None:
    parts = line.strip().split(" ", 2)
    if len(parts) < 2 or parts[0] != "PROGRESS":
        return None
    try:
        fraction = max(0.0, min(1.0, float(parts[1])))
    except ValueError:
        return None
    detail = parts[2] if len(parts) > 2 else ""
    return Progress("convert", side, f"converting {label}: {detail}".rstrip(": "),
                    fraction=fraction)


def _failure(returncode: int, tail: list[str], label: str) -> ConversionError:
    errors = [line for line in tail if line.startswith("ERROR ")]
    if returncode < 0:
        return ConversionError(
            f"The conversion of {label} was killed (signal {-returncode}); the system may "
            "have run out of memory.",
            "Nothing was installed. Close other programs and pull again.")
    if errors:
        detail = errors[-1].removeprefix("ERROR ")
    else:
        meaningful = [line for line in tail if line.strip() and not line.startswith("PROGRESS")]
        detail = meaningful[-1].strip() if meaningful else f"exit status {returncode}"
    return ConversionError(f"Converting {label} failed: {detail[:400]}",
                           "Nothing was installed. Check the model's architecture is "
                           "supported by optimum-intel, then pull again.")


def run_conversion(src: Path, dst: Path, weight_format: str, sink: ProgressSink,
                   cancel: CancelToken, side: str = "", label: str = "",
                   python: str | None = None, check: bool = True) -> None:
    """Convert the checkpoint in `src` (a folder, or a GGUF file) to OpenVINO IR in `dst`
    (an empty staging folder)."""
    label = label or src.name
    available = conversion_available(gguf=True) if src.is_file() else conversion_available()
    if not available and python is None:
        raise ConversionError(
            f"Converting {label} needs the conversion tools (torch, optimum-intel"
            f"{', gguf, accelerate' if src.is_file() else ''}), which this installation "
            "does not have.",
            "Install them with `pip install \"tandem[convert]\"` (the CPU build of torch; "
            "see dev.py), or pick a pair whose sides are already OpenVINO IR.")
    needs = estimate_needs(src, weight_format)
    if check:
        check_resources(needs, label, dst.parent)
    cancel.check()
    cmd = [python or sys.executable, "-m", "app.core.store.convert_export", "--src", str(src),
           "--dst", str(dst), "--weight-format", weight_format]
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONIOENCODING": "utf-8"}
    sink(Progress("convert", side, f"converting {label} to {weight_format}", fraction=0.0))
    # Its own process group: Ctrl+C in a terminal reaches only Tandem, which then cancels
    # the conversion in order instead of the child dying half-way with a traceback.
    group: dict[str, Any] = (
        {"creationflags": getattr(subprocess, "CREATE_NEW_PROCESS_GROUP", 0)}
        if os.name == "nt" else {"start_new_session": True})
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, cwd=paths.bundle_root(), env=env,
                            text=True, encoding="utf-8", errors="replace", bufsize=1,
                            **group)
    tail: collections.deque[str] = collections.deque(maxlen=60)
    clock = _Clock(sink, side, label, estimate_seconds(needs.checkpoint_bytes))

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            tail.append(line.rstrip("\n"))
            event = _progress_line(line, side, label)
            if event is not None:
                clock.stage(event)

    reader = threading.Thread(target=read, name="tandem-convert-output", daemon=True)
    reader.start()
    try:
        while proc.poll() is None:
            clock.tick()
            if cancel.wait(0.1):
                _stop(proc)
                raise CancelledError(f"Cancelled the conversion of {label}.",
                                     "Nothing was installed; pull again to start over.")
    finally:
        if proc.poll() is None:
            _stop(proc)
        reader.join(5)
    if proc.returncode != 0:
        if cancel.cancelled:
            raise CancelledError(f"Cancelled the conversion of {label}.",
                                 "Nothing was installed; pull again to start over.")
        raise _failure(proc.returncode, list(tail), label)


class _Clock:
    """Moves the bar during the long export: the subprocess's stage, or the time elapsed
    against the estimate, whichever is further (never backwards, never full before done)."""

    def __init__(self, sink: ProgressSink, side: str, label: str, estimate: float) -> None:
        self.sink, self.side, self.label, self.estimate = sink, side, label, estimate
        self.started = self.last_tick = time.monotonic()
        self.shown = 0.0
        self.detail = "starting"
        self.lock = threading.Lock()

    def _emit(self, reported: float) -> None:
        elapsed = time.monotonic() - self.started
        by_time = min(0.95, elapsed / self.estimate) if self.estimate > 0 else 0.0
        with self.lock:
            self.shown = max(self.shown, reported, by_time)
            fraction = self.shown if reported >= 1.0 else min(self.shown, 0.99)
            message = (f"converting {self.label}: {self.detail} · {elapsed:.0f} s of "
                       f"about {self.estimate:.0f} s")
        self.sink(Progress("convert", self.side, message, fraction=fraction))

    def stage(self, event: Progress) -> None:
        with self.lock:
            self.detail = event.message.split(": ", 1)[-1] or self.detail
        self._emit(event.fraction or 0.0)

    def tick(self) -> None:
        now = time.monotonic()
        if now - self.last_tick >= TICK_S:
            self.last_tick = now
            self._emit(0.0)


def _stop(proc: subprocess.Popen[str]) -> None:
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(10)
