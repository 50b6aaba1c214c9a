"""Help > Copy system info: versions, devices, memory and the pair, as plain text."""

from __future__ import annotations

from importlib.metadata import version

from app.core.sysinfo import Device
from app.core.system_report import system_report


def test_the_report_names_versions_devices_memory_and_pair():
    text = system_report([Device("CPU", "Some CPU"), Device("GPU.0", "Some iGPU")],
                         "demo on CPU (ready)", {"Qt": "6.11"})
    lines = text.splitlines()
    assert lines[0] == f"Tandem {version('tandem')}"
    assert "Devices: CPU — Some CPU; GPU.0 — Some iGPU" in lines
    assert "Pair: demo on CPU (ready)" in lines
    assert any(line.startswith("RAM: ") and "GiB available" in line for line in lines)
    assert f"openvino {version('openvino')}" in text
    assert lines[-1] == "Qt: 6.11"


def test_the_report_says_when_nothing_is_known_yet():
    text = system_report([], "")
    assert "Devices: none listed yet" in text and "Pair: none" in text
