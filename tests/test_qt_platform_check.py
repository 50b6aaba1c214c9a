"""Before Qt starts: no display, or missing X11 libraries, give a message instead of an abort."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from app import qt_platform_check as check

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="xcb is Linux's")
ROOT = Path(__file__).resolve().parents[1]


def _fake_ldd(folder: Path, missing: list[str]) -> Path:
    """An `ldd` that reports `missing` as not found (and one library found)."""
    lines = ["\tlibQt6Core.so.6 => /opt/qt/libQt6Core.so.6 (0x0)"]
    lines += [f"\t{lib} => not found" for lib in missing]
    script = folder / "ldd"
    script.write_text("#!/bin/sh\ncat <<'EOF'\n" + "\n".join(lines) + "\nEOF\n")
    script.chmod(0o755)
    return script


@linux_only
def test_the_platform_is_xcb_unless_overridden_or_wayland():
    assert check.platform_is_xcb({"DISPLAY": ":0"})
    assert check.platform_is_xcb({"QT_QPA_PLATFORM": "xcb"})
    assert not check.platform_is_xcb({"QT_QPA_PLATFORM": "offscreen"})
    assert not check.platform_is_xcb({"WAYLAND_DISPLAY": "wayland-0", "DISPLAY": ":0"})


@linux_only
def test_no_display_says_so_and_offers_headless_commands():
    message = check.window_problem({})
    assert message is not None
    assert "DISPLAY is not set" in message
    assert "QT_QPA_PLATFORM=offscreen" in message and "tandem generate" in message
    assert check.window_problem({"QT_QPA_PLATFORM": "offscreen"}) is None


@linux_only
def test_missing_libraries_are_named_with_the_apt_command(tmp_path):
    plugin = tmp_path / "libqxcb.so"
    plugin.write_bytes(b"")
    ldd = _fake_ldd(tmp_path, ["libxcb-cursor.so.0", "libxcb-icccm.so.4", "libfoo-bar.so.2"])
    message = check.window_problem({"DISPLAY": ":0"}, plugin=plugin, ldd=str(ldd))
    assert message is not None
    assert "libxcb-cursor.so.0, libxcb-icccm.so.4" in message
    assert "sudo apt-get install libfoo-bar2 libxcb-cursor0 libxcb-icccm4" in message
    nothing_missing = _fake_ldd(tmp_path, [])
    assert check.window_problem({"DISPLAY": ":0"}, plugin=plugin,
                                ldd=str(nothing_missing)) is None


@linux_only
def test_the_real_plugin_is_found_and_its_missing_libraries_are_known():
    plugin = check.xcb_plugin()
    assert plugin is not None and plugin.name == "libqxcb.so"
    # Whatever this machine lacks must be a library the table maps to its package.
    for library in check.missing_libraries(plugin):
        assert library in check.DEBIAN_PACKAGES, library


def _run_app(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "app"], capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=60)


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    return {**env, "PYTHONPATH": str(ROOT), **extra}


@linux_only
def test_the_app_without_a_display_exits_with_a_message_not_an_abort():
    done = _run_app(_env())
    assert done.returncode == 2, done.stderr
    assert "DISPLAY is not set" in done.stderr


@linux_only
def test_the_app_with_missing_x11_libraries_prints_the_install_command(tmp_path):
    _fake_ldd(tmp_path, ["libxcb-cursor.so.0"])
    done = _run_app(_env(DISPLAY=":97", PATH=f"{tmp_path}{os.pathsep}{os.environ['PATH']}"))
    assert done.returncode == 2, done.stderr
    assert "sudo apt-get install libxcb-cursor0" in done.stderr
    assert "Could not load the Qt platform plugin" not in done.stderr
