"""The screenshot tools' outer process: start Xvfb (apt-get install xvfb) at the window
size, run the tool's `--inner` half inside it with a fresh TANDEM_HOME, stop Xvfb."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence

SIZE = (1440, 900)


def run_inside_xvfb(module: str, args: Sequence[str], display: str) -> int:
    """`python -m module --inner *args` on a virtual display; its exit code (2 without
    Xvfb)."""
    xvfb = shutil.which("Xvfb")
    if xvfb is None:
        print("Xvfb is not installed (Debian/Ubuntu: apt-get install xvfb).", file=sys.stderr)
        return 2
    server = subprocess.Popen([xvfb, display, "-screen", "0", f"{SIZE[0]}x{SIZE[1]}x24",
                               "-nolisten", "tcp"])
    try:
        time.sleep(1.0)
        with tempfile.TemporaryDirectory() as home:
            env = {**os.environ, "DISPLAY": display, "QT_QPA_PLATFORM": "xcb",
                   "TANDEM_HOME": home}
            return subprocess.call([sys.executable, "-m", module, "--inner", *args], env=env)
    finally:
        server.terminate()
        server.wait(10)
