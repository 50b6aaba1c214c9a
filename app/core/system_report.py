"""The text of Help > Copy system info: versions, devices, memory, the pair in use."""

from __future__ import annotations

import os
import platform
import sys
from collections.abc import Iterable, Mapping
from importlib import metadata

import psutil

from app.core.sysinfo import Device

DISTRIBUTIONS = ("tandem", "openvino", "openvino-genai", "openvino-tokenizers",
                 "PySide6-Essentials", "pyqtgraph", "huggingface-hub", "numpy")


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def system_report(devices: Iterable[Device], pair: str,
                  extra: Mapping[str, str] | None = None) -> str:
    """Plain text to paste into a bug report (no paths from the user's home, no keys)."""
    memory = psutil.virtual_memory()
    lines = [f"Tandem {_version('tandem')}",
             f"Python {platform.python_version()} ({sys.implementation.name}, "
             f"{'frozen bundle' if getattr(sys, 'frozen', False) else 'from source'})",
             f"OS: {platform.platform()} ({platform.machine()})",
             f"CPU: {platform.processor() or platform.machine()}, "
             f"{os.cpu_count()} logical cores",
             f"RAM: {memory.total / 2**30:.1f} GiB total, "
             f"{memory.available / 2**30:.1f} GiB available",
             "Devices: " + ("; ".join(d.label() for d in devices) or "none listed yet"),
             f"Pair: {pair or 'none'}",
             "Versions: " + ", ".join(f"{n} {_version(n)}" for n in DISTRIBUTIONS[1:])]
    lines += [f"{key}: {value}" for key, value in (extra or {}).items()]
    return "\n".join(lines) + "\n"
