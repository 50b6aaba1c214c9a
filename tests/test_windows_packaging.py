"""The Windows build's inputs agree with the rest of the project; with Wine, the build.

The fast tests always run. The build and smoke test (packaging/build_windows.py --smoke)
take 15-30 minutes and need Wine, NSIS and mingw-w64: they run with TANDEM_WINE_BUILD=1.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib

import pytest

from tests.conftest import ROOT
from tests.test_lock_file import _name, _pins

WINDOWS_LOCK = ROOT / "requirements" / "lock-windows.txt"
NSI = ROOT / "packaging" / "windows" / "tandem.nsi"


def _windows_pins() -> dict[str, str]:
    pins = {}
    for line in WINDOWS_LOCK.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            name, sep, version = line.partition("==")
            assert sep, f"not pinned with ==: {line}"
            pins[_name(name)] = version.strip()
    return pins


def test_the_windows_lock_pins_every_runtime_dependency_like_the_lock() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    windows, lock = _windows_pins(), _pins()
    runtime = {_name(r) for r in project["dependencies"]} | {"pyinstaller"}
    assert not runtime - set(windows), sorted(runtime - set(windows))
    # Only the documented differences: numpy<2 (Wine), and Windows-only packages.
    differ = {n for n in windows if n in lock and windows[n] != lock[n]}
    assert differ <= {"numpy"}, {n: (windows[n], lock[n]) for n in differ}
    assert windows["numpy"].startswith("1.")
    assert {"msvc-runtime", "pefile", "pywin32-ctypes"} <= set(windows)


def test_the_installer_script_is_64_bit_per_user_and_removes_what_it_installs() -> None:
    script = NSI.read_text(encoding="utf-8")
    assert re.search(r"^Target amd64-unicode$", script, re.M)  # a 32-bit stub: a silent no-op
    assert "RequestExecutionLevel user" in script
    installed = re.findall(r'CreateShortcut "([^"]+)"', script)
    uninstall = script[script.index('Section "Uninstall"'):]
    assert all(f'Delete "{link}"' in uninstall for link in installed)
    assert 'RMDir /r "$INSTDIR\\_internal"' in uninstall
    assert "DeleteRegKey HKCU \"${UNINSTALL_KEY}\"" in uninstall


@pytest.mark.slow
@pytest.mark.skipif(os.environ.get("TANDEM_WINE_BUILD") != "1",
                    reason="the Windows build under Wine runs with TANDEM_WINE_BUILD=1")
def test_the_windows_installer_builds_installs_runs_and_uninstalls_under_wine() -> None:
    if shutil.which("wine") is None:
        pytest.skip("Wine is not installed")
    done = subprocess.run([sys.executable, "packaging/build_windows.py", "--smoke"], cwd=ROOT,
                          capture_output=True, text=True, timeout=3 * 3600)
    assert done.returncode == 0, done.stdout[-8000:] + done.stderr[-4000:]
    assert "smoke: every step passed" in done.stdout
