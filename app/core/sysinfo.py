"""Devices (OpenVINO Core), memory and CPU (psutil)."""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass

import psutil


@dataclass(frozen=True)
class Device:
    """An OpenVINO device: its name (CPU, GPU.0, NPU) and full name."""
    name: str  # "CPU", "GPU.0", "NPU"
    full_name: str

    @property
    def kind(self) -> str:
        """The device type without its index: CPU, GPU or NPU."""
        return self.name.split(".")[0]

    def label(self) -> str:
        """The name and full name, as the device selectors show them."""
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
    """The names of the OpenVINO devices on this machine."""
    return [d.name for d in list_devices()]


def available_memory_bytes() -> int:
    """The memory processes can be given now without swapping, in bytes."""
    return int(psutil.virtual_memory().available)


def process_memory_bytes(pid: int | None = None) -> int:
    """The resident memory of a process (this one by default), in bytes."""
    return int(psutil.Process(pid or os.getpid()).memory_info().rss)


def cpu_percent_per_core() -> list[float]:
    """Each core's use since the last call, in percent."""
    return [float(x) for x in psutil.cpu_percent(percpu=True)]
