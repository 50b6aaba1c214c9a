"""Before the window starts on Linux: will Qt's platform plugin load?

Without a display, or without the X11 client libraries that Qt's xcb plugin links
against, creating the QApplication aborts the process with a message that does not say
what to install. `window_problem()` finds both cases first (standard library only, no Qt
loaded) and returns a message naming the missing libraries and the command to install them.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

# The system libraries libqxcb.so and libQt6XcbQpa.so.6 (PySide6 6.8-6.11) need, by the
# Debian/Ubuntu package that provides each. Libraries shipped inside PySide6 are not listed.
DEBIAN_PACKAGES: dict[str, str] = {
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-render.so.0": "libxcb-render0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-util.so.1": "libxcb-util1",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-xinerama.so.0": "libxcb-xinerama0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxcb.so.1": "libxcb1",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libX11.so.6": "libx11-6",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libGL.so.1": "libgl1",
    "libEGL.so.1": "libegl1",
    "libfontconfig.so.1": "libfontconfig1",
    "libfreetype.so.6": "libfreetype6",
    "libdbus-1.so.3": "libdbus-1-3",
    "libglib-2.0.so.0": "libglib2.0-0",
    "libgthread-2.0.so.0": "libglib2.0-0",
}
NOT_FOUND = re.compile(r"^\s*(\S+)\s*=>\s*not found", re.MULTILINE)
HEADLESS = ("  Without a window, every feature is a command: tandem generate \"Hello!\", "
            "tandem serve, tandem bench --quick (python dev.py app --help lists them);\n"
            "  or run the window offscreen (no screen output): QT_QPA_PLATFORM=offscreen.")


def platform_is_xcb(env: Mapping[str, str]) -> bool:
    """Qt on Linux picks xcb unless told otherwise or running under Wayland."""
    if not sys.platform.startswith("linux"):
        return False
    chosen = env.get("QT_QPA_PLATFORM", "")
    if chosen:
        return chosen.split(":")[0].split(";")[0] == "xcb"
    return not env.get("WAYLAND_DISPLAY")


def xcb_plugin() -> Path | None:
    """libqxcb.so of the installed PySide6, without importing Qt."""
    spec = importlib.util.find_spec("PySide6")
    if spec is None or not spec.submodule_search_locations:
        return None
    for root in spec.submodule_search_locations:
        plugin = Path(root) / "Qt" / "plugins" / "platforms" / "libqxcb.so"
        if plugin.exists():
            return plugin
    return None


def missing_libraries(plugin: Path, ldd: str = "ldd") -> list[str]:
    """The shared libraries `plugin` needs that the dynamic loader cannot find."""
    if shutil.which(ldd) is None:
        return []  # no ldd (not glibc): let Qt try
    try:
        out = subprocess.run([ldd, str(plugin)], capture_output=True, text=True,
                             timeout=20, check=False).stdout
    except (OSError, subprocess.TimeoutExpired):
        return []
    return sorted(dict.fromkeys(NOT_FOUND.findall(out)))


def install_command(libraries: list[str]) -> str:
    packages = sorted({DEBIAN_PACKAGES.get(lib, _guess_package(lib)) for lib in libraries})
    return "sudo apt-get install " + " ".join(packages)


def _guess_package(library: str) -> str:
    # libfoo-bar.so.4 -> libfoo-bar4 (Debian's naming rule for most libraries)
    stem, _, version = library.partition(".so.")
    base = stem.lower()
    return f"{base}-{version}" if base[-1:].isdigit() else f"{base}{version}"


def window_problem(env: Mapping[str, str] | None = None, plugin: Path | None = None,
                   ldd: str = "ldd") -> str | None:
    """A message saying why Qt's window cannot start here and what to do, or None."""
    env = os.environ if env is None else env
    if not platform_is_xcb(env):
        return None
    if not env.get("DISPLAY"):
        return ("tandem: no display to open the window on (DISPLAY is not set: an SSH "
                "session or a server?).\n" + HEADLESS)
    plugin = plugin or xcb_plugin()
    if plugin is None:
        return None
    missing = missing_libraries(plugin, ldd)
    if not missing:
        return None
    return ("tandem: the window cannot start: Qt's X11 (xcb) platform needs "
            f"{', '.join(missing)}, not installed on this system.\n"
            f"  On Debian or Ubuntu: {install_command(missing)}\n" + HEADLESS)
