"""Run a part of the test suite again and again, each round in a fresh process; count.

    python -m app.devtools.loop_tests tests/ui --rounds 20
    python -m app.devtools.loop_tests tests/ui/test_theme.py --rounds 5 --timeout 300

A native crash that depends on what earlier tests left behind shows only now and then,
so one green run proves little: this is how the counts in the crash issue's note were
taken. Each round runs `python -m pytest <paths> -q -x -p no:cacheprovider` with
`-X faulthandler` and Qt's offscreen platform; a round that dies by a signal, exits non-zero
or outlives `--timeout` is kept: its output is written to `<log-dir>/round-<n>.log` and
its last lines are printed. A round that hangs gets, where gdb is installed, the native
stack of every thread (`thread apply all bt`) appended to its log before it is aborted:
faulthandler shows only the Python frames, and a hang in a destructor has none.
The last line is the count, e.g.
`loop: 20 rounds, 20 passed, 0 failed, 0 crashed, 0 timed out; median 104.2 s`.
It is a tool, not a test: it prints figures and exits 1 if any round was not green.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

# Exit codes of a process killed by a native fault when no signal is reported: a shell's
# 128 + SIGABRT/SIGSEGV, and Windows' access violation and abort.
CRASH_CODES = (134, 139, 0xC0000005, 3)


@dataclass(frozen=True)
class Round:
    number: int
    seconds: float
    code: int | None  # None: killed after the timeout
    child_crashed: bool = False  # a native crash reported in the output

    @property
    def outcome(self) -> str:
        if self.code is None:
            return "timed out"
        if self.code == 0:
            return "passed"
        if self.code < 0 or self.code in CRASH_CODES or self.child_crashed:
            return "crashed"
        return "failed"


def native_stacks(pid: int) -> bytes:
    """Every thread's native backtrace of a live process, by gdb; empty without gdb."""
    gdb = shutil.which("gdb")
    if gdb is None:
        return b""
    try:
        done = subprocess.run([gdb, "-p", str(pid), "-batch", "-nx", "-ex", "thread apply all bt"],
                              capture_output=True, timeout=180)
    except subprocess.TimeoutExpired:
        return b"gdb did not finish within 180 s\n"
    return done.stdout + done.stderr


def run_round(number: int, paths: list[str], timeout_s: float, log_dir: Path) -> Round:
    """One pytest process over `paths`; its log is kept when it was not green."""
    env = dict(os.environ, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"),
               PYTHONFAULTHANDLER="1")
    command = [sys.executable, "-X", "faulthandler", "-m", "pytest", *paths, "-q", "-x",
               "-p", "no:cacheprovider"]
    log = log_dir / f"round-{number}.log"
    start = time.monotonic()
    with log.open("wb") as out:
        proc = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env)
        try:
            code: int | None = proc.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            stacks = native_stacks(proc.pid)
            out.write(b"\n=== native stacks at the timeout (gdb) ===\n" + stacks)
            out.flush()
            proc.send_signal(signal.SIGABRT if hasattr(signal, "SIGABRT") else signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            code = None
    # A crash in a child process of a test (the window's own subprocess tests) fails the
    # test, not the round's process: faulthandler's line in the log tells it apart.
    crashed = code not in (0, None) and b"Fatal Python error" in log.read_bytes()
    result = Round(number, time.monotonic() - start, code, crashed)
    if result.outcome == "passed":
        log.unlink()
    return result


def summary(rounds: list[Round]) -> str:
    counts = {kind: sum(r.outcome == kind for r in rounds)
              for kind in ("passed", "failed", "crashed", "timed out")}
    median = statistics.median(r.seconds for r in rounds) if rounds else 0.0
    return (f"loop: {len(rounds)} rounds, " + ", ".join(f"{n} {k}" for k, n in counts.items())
            + f"; median {median:.1f} s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+", help="test paths, as pytest takes them")
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds per round")
    parser.add_argument("--log-dir", type=Path, default=None,
                        help="where logs of rounds that were not green go (default: a temp dir)")
    args = parser.parse_args(argv)
    log_dir = args.log_dir or Path(tempfile.mkdtemp(prefix="tandem-loop-"))
    log_dir.mkdir(parents=True, exist_ok=True)
    rounds: list[Round] = []
    for number in range(1, args.rounds + 1):
        result = run_round(number, args.paths, args.timeout, log_dir)
        rounds.append(result)
        print(f"round {number}: {result.outcome} in {result.seconds:.1f} s"
              + ("" if result.code is None else f" (exit {result.code})"), flush=True)
        if result.outcome != "passed":
            tail = (log_dir / f"round-{number}.log").read_text(errors="replace").splitlines()
            fatal = [line for line in tail if line.startswith("Fatal Python error")]
            print("\n".join("    " + line for line in fatal[:1] + tail[-25:]), flush=True)
    print(summary(rounds), flush=True)
    if any(r.outcome != "passed" for r in rounds):
        print(f"logs of the rounds that were not green: {log_dir}", flush=True)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
