"""Run a built Tandem bundle the way a user's machine would, and judge it.

    python packaging/smoke.py [EXE]                  # frozen `tandem --self-test`
    python packaging/smoke.py [EXE] --cold-start 3   # also time launch -> window shown

The self-test passes when it exits 0, says so on stdout, and writes nothing on stderr but
the known harmless lines in ALLOWED_STDERR. The bundle runs with a private TANDEM_HOME and
without the developer's PYTHONPATH/PYTHONHOME/VIRTUAL_ENV, so it cannot borrow from the
source tree. Only the standard library is used here.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_EXE = ROOT / "dist" / "tandem" / ("tandem.exe" if os.name == "nt" else "tandem")

# Each entry is a line that has been seen, is understood and is harmless.
ALLOWED_STDERR = [
    # Qt's offscreen platform (no display) cannot pass size hints to a window manager.
    re.compile(r"^This plugin does not support propagateSizeHints\(\)$"),
]
PROBE_ENV = "TANDEM_STARTUP_PROBE"
PROBE_LINE = "tandem-startup: main window shown"


@dataclass
class SmokeResult:
    returncode: int
    stdout: str
    stderr: str
    seconds: float
    unexpected_stderr: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return (self.returncode == 0 and "self-test passed" in self.stdout
                and not self.unexpected_stderr)


def clean_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in {"PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONSTARTUP"}}
    env["TANDEM_HOME"] = str(home)
    if sys.platform.startswith("linux") and not env.get("DISPLAY"):
        env.setdefault("QT_QPA_PLATFORM", "offscreen")
    return env


def unexpected_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines()
            if line.strip() and not any(p.search(line) for p in ALLOWED_STDERR)]


def run_self_test(exe: Path, timeout: float = 300) -> SmokeResult:
    with tempfile.TemporaryDirectory(prefix="tandem-smoke-") as home:
        started = time.monotonic()
        done = subprocess.run([str(exe), "--self-test"], capture_output=True, text=True,
                              env=clean_env(Path(home)), timeout=timeout, cwd=home)
        seconds = time.monotonic() - started
    return SmokeResult(done.returncode, done.stdout, done.stderr, seconds,
                       unexpected_lines(done.stderr))


def time_to_window(exe: Path, timeout: float = 120) -> float:
    """Seconds from launching `tandem` (no command: the window) to the probe's line."""
    with tempfile.TemporaryDirectory(prefix="tandem-coldstart-") as home:
        env = {**clean_env(Path(home)), PROBE_ENV: "exit"}
        started = time.monotonic()
        proc = subprocess.Popen([str(exe)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, env=env, cwd=home)
        assert proc.stdout is not None
        # Without the probe the window would stay open: a timer ends the wait.
        watchdog = threading.Timer(timeout, proc.kill)
        watchdog.start()
        try:
            for line in proc.stdout:
                if line.startswith(PROBE_LINE):
                    elapsed = time.monotonic() - started
                    proc.wait(timeout=timeout)
                    return elapsed
        finally:
            watchdog.cancel()
            if proc.poll() is None:
                proc.kill()
            proc.wait()
        stderr = proc.stderr.read() if proc.stderr else ""
        raise RuntimeError(f"{exe} printed no '{PROBE_LINE}' line (is app.startup_probe "
                           f"wired into run_app?). stderr: {stderr[-2000:]}")


def bundle_size(exe: Path) -> int:
    folder = exe.parent if (exe.parent / "_internal").is_dir() else exe
    if folder.is_file():
        return folder.stat().st_size
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file() and not f.is_symlink())


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description="Smoke-test a built Tandem bundle.")
    parser.add_argument("exe", nargs="?", type=Path, default=DEFAULT_EXE)
    parser.add_argument("--cold-start", type=int, default=0, metavar="N",
                        help="also launch the window N times and time it until shown")
    args = parser.parse_args(argv)
    if not args.exe.exists():
        print(f"smoke.py: {args.exe} does not exist; run packaging/build.py", file=sys.stderr)
        return 2
    print(f"bundle: {args.exe} ({bundle_size(args.exe) / 1e6:.0f} MB)")
    result = run_self_test(args.exe)
    sys.stdout.write(result.stdout)
    for line in result.unexpected_stderr:
        print(f"unexpected stderr: {line}", file=sys.stderr)
    if not result.passed:
        print(f"smoke.py: the frozen self-test failed (exit {result.returncode}):\n"
              f"{result.stderr}", file=sys.stderr)
        return 1
    print(f"frozen self-test passed in {result.seconds:.1f} s")
    if args.cold_start:
        times = [time_to_window(args.exe) for _ in range(args.cold_start)]
        print("launch -> window shown: " + ", ".join(f"{t:.2f} s" for t in times)
              + f" (first {times[0]:.2f} s, median {statistics.median(times):.2f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
