"""Run a built Tandem bundle the way a user's machine would, and judge it.

    python packaging/smoke.py [EXE]        # frozen `tandem --self-test`

The self-test passes when it exits 0, says so on stdout, and writes nothing on stderr but
the known harmless lines in ALLOWED_STDERR. The bundle runs with a private TANDEM_HOME and
without the developer's PYTHONPATH/PYTHONHOME/VIRTUAL_ENV, so it cannot borrow from the
source tree. Only the standard library is used here.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
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


def bundle_size(exe: Path) -> int:
    folder = exe.parent if (exe.parent / "_internal").is_dir() else exe
    if folder.is_file():
        return folder.stat().st_size
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file() and not f.is_symlink())


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description="Smoke-test a built Tandem bundle.")
    parser.add_argument("exe", nargs="?", type=Path, default=DEFAULT_EXE)
    args = parser.parse_args(argv)
    args.exe = args.exe.resolve()  # the bundle runs from a temporary working folder
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
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
