"""Devices (OpenVINO Core), memory and CPU (psutil)."""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass

import psutil


@dataclass(frozen=True)
class Device:
    name: str  # "CPU", "GPU.0", "NPU"
    full_name: str

    @property
    def kind(self) -> str:
        return self.name.split(".")[0]

    def label(self) -> str:
        return f"{self.name} — {self.full_name}"


@functools.cache
def _core() -> object:
    import openvino

    return openvino.Core()


def list_devices() -> list[Device]:
    """The devices OpenVINO can use on this machine, CPU first."""
    core = _core()
    devices = []
    for name in core.available_devices:  # type: ignore[attr-defined]
        try:
            full = str(core.get_property(name, "FULL_DEVICE_NAME"))  # type: ignore[attr-defined]
        except RuntimeError:
            full = name
        devices.append(Device(name, full))
    return sorted(devices, key=lambda d: (d.kind != "CPU", d.name))


def device_names() -> list[str]:
    return [d.name for d in list_devices()]


def available_memory_bytes() -> int:
    return int(psutil.virtual_memory().available)


def process_memory_bytes(pid: int | None = None) -> int:
    return int(psutil.Process(pid or os.getpid()).memory_info().rss)


def cpu_percent_per_core() -> list[float]:
    return [float(x) for x in psutil.cpu_percent(percpu=True)]
