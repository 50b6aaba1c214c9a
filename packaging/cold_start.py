"""Time a built Tandem from launch to a visible main window.

    python packaging/cold_start.py [EXE] --runs 5              # X11 (Xvfb), from outside
    python packaging/cold_start.py [EXE] --runs 5 --probe      # in-app probe, offscreen
    python packaging/cold_start.py [EXE] --drop-caches         # Linux, root: a true cold start

x11 (the default on Linux): starts a private Xvfb, launches `tandem` on it with Qt's real
xcb platform, and polls the X server (xwininfo) until a window titled "Tandem..." is
mapped. Nothing inside the app is involved, and the xcb plugin of the bundle is exercised.
Needs the Debian packages xvfb and x11-utils.

probe: launches with TANDEM_STARTUP_PROBE=exit; `app.startup_probe.watch_first_show`,
which `run_app` must call, prints a line once the window is shown and painted. Works on
any OS and offscreen.

--drop-caches empties Linux's page cache before the first run (root only), so that run
reads every library from disk as after a reboot; later runs are warm.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from smoke import DEFAULT_EXE, clean_env  # noqa: E402

PROBE_ENV = "TANDEM_STARTUP_PROBE"
PROBE_LINE = "tandem-startup: main window shown"
TITLE = re.compile(r'^\s*(0x[0-9a-f]+) "Tandem[^"]*"', re.MULTILINE)


def _stop(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def time_with_probe(exe: Path, timeout: float = 120) -> float:
    with tempfile.TemporaryDirectory(prefix="tandem-coldstart-") as home:
        env = {**clean_env(Path(home)), PROBE_ENV: "exit"}
        started = time.monotonic()
        proc = subprocess.Popen([str(exe)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, env=env, cwd=home)
        assert proc.stdout is not None
        # Without the probe wired in, the window would stay open: a timer ends the wait.
        watchdog = threading.Timer(timeout, proc.kill)
        watchdog.start()
        try:
            for line in proc.stdout:
                if line.startswith(PROBE_LINE):
                    return time.monotonic() - started
        finally:
            watchdog.cancel()
            _stop(proc)
        raise RuntimeError(f"no '{PROBE_LINE}' line: is app.startup_probe wired into run_app?")


def _mapped_tandem_window(display: str) -> bool:
    env = {**os.environ, "DISPLAY": display}
    tree = subprocess.run(["xwininfo", "-root", "-tree"], capture_output=True, text=True,
                          env=env).stdout
    for window_id in TITLE.findall(tree):
        info = subprocess.run(["xwininfo", "-id", window_id], capture_output=True,
                              text=True, env=env).stdout
        if "Map State: IsViewable" in info:
            return True
    return False


class Xvfb:
    def __init__(self) -> None:
        # -displayfd: Xvfb picks a free display number and writes it to the pipe once
        # it accepts connections (no guessing, no clash with other X servers).
        read_end, write_end = os.pipe()
        self.proc = subprocess.Popen(["Xvfb", "-displayfd", str(write_end), "-screen", "0",
                                      "1920x1080x24", "-nolisten", "tcp"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                     pass_fds=(write_end,))
        os.close(write_end)
        with os.fdopen(read_end) as pipe:
            number = pipe.readline().strip()
        if not number:
            self.close()
            raise RuntimeError("Xvfb did not start")
        self.display = f":{number}"

    def close(self) -> None:
        _stop(self.proc)  # type: ignore[arg-type]


def time_on_x11(exe: Path, xvfb: Xvfb, timeout: float = 120) -> float:
    with tempfile.TemporaryDirectory(prefix="tandem-coldstart-") as home:
        env = clean_env(Path(home))
        env.pop("QT_QPA_PLATFORM", None)
        env["DISPLAY"] = xvfb.display
        started = time.monotonic()
        proc = subprocess.Popen([str(exe)], stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, text=True, env=env, cwd=home)
        try:
            while time.monotonic() - started < timeout:
                if _mapped_tandem_window(xvfb.display):
                    return time.monotonic() - started
                if proc.poll() is not None:
                    stderr = proc.stderr.read() if proc.stderr else ""
                    raise RuntimeError(f"tandem exited with {proc.returncode}: {stderr}")
                time.sleep(0.01)
        finally:
            _stop(proc)
        raise RuntimeError(f"no Tandem window within {timeout} s")


def drop_page_cache() -> bool:
    try:
        os.sync()
        Path("/proc/sys/vm/drop_caches").write_text("3\n")
        return True
    except OSError:
        return False


def measure(run_once: Callable[[], float], runs: int, drop_caches: bool) -> list[float]:
    times = []
    for index in range(runs):
        if index == 0 and drop_caches and not drop_page_cache():
            print("could not drop the page cache (needs root on Linux): all runs are warm")
        times.append(run_once())
    return times


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description="Time launch -> visible Tandem window.")
    parser.add_argument("exe", nargs="?", type=Path, default=DEFAULT_EXE)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--probe", action="store_true", help="use the in-app probe")
    parser.add_argument("--drop-caches", action="store_true",
                        help="empty the page cache before the first run (Linux, root)")
    args = parser.parse_args(argv)
    args.exe = args.exe.resolve()  # the bundle runs from a temporary working folder
    use_x11 = not args.probe
    if use_x11 and not (shutil.which("Xvfb") and shutil.which("xwininfo")):
        print("Xvfb and xwininfo are needed (apt-get install xvfb x11-utils), or use --probe",
              file=sys.stderr)
        return 2
    if use_x11:
        xvfb = Xvfb()
        try:
            times = measure(lambda: time_on_x11(args.exe, xvfb), args.runs, args.drop_caches)
        finally:
            xvfb.close()
    else:
        times = measure(lambda: time_with_probe(args.exe), args.runs, args.drop_caches)
    method = "x11 window mapped" if use_x11 else "in-app probe"
    print(f"launch -> window shown ({method}): " + ", ".join(f"{t:.2f} s" for t in times))
    print(f"first {times[0]:.2f} s, median {statistics.median(times):.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
