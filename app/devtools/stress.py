"""Drive the real window on the demo pair with random actions, under a watchdog.

    python -m app.devtools.stress --actions 300 --seed 1
    python -m app.devtools.stress --actions 30 --seed 7 --json   # what the test runs

The window runs in a child process (offscreen unless `--headed`), so a native crash is
seen as the child's death, never as the watchdog's. The child performs the actions, each
followed by a random pause in the event loop (so that the next one lands during a load or
an answer): switch pair, device and mode; send, stop and regenerate; open the Race tab and
run or stop a race; open the Models tab; close the window and open a new one. It prints
one JSON line per action. The watchdog fails the run:

- on a crash (the child dies by a signal or exits non-zero),
- on a hang: the child's GUI heartbeat (a 20 ms timer) stops for more than `HANG_S`; the
  child then writes every thread's stack to stderr and exits, and the parent also kills a
  child that prints nothing for `SILENT_S`,
- on a stall: the event loop's longest gap (`StallProbe`) or an action's own call on the
  GUI thread over `STALL_MS` (`--stall-ms`), or the GUI thread's own CPU time in one gap
  or call over `CPU_STALL_MS`. The gap is judged less the time the GUI thread waited in
  the kernel's run queue for a core (`longest_app_ms`; Linux): on a shared 2-core machine
  other processes alone cause 40-130 ms gaps. Waits for the GIL or a lock still count,
  except while a library call known to hold the GIL throughout runs (GenAI's
  `draft_model`, `core/engine/gil_holds.py`): those are counted and reported apart, as
  the library's. The raw wall-clock gaps are reported too. Opening a new window (its build
  and the event loop's turns until it has filled in: charts built once their import on a
  start-up thread is done) is timed apart: it is a start-up, not a stall in use. Actions
  still land during the new window's first load.

It prints the counts: actions, crashes, hangs, stalls and the longest stall.
"""

from __future__ import annotations

import argparse
import faulthandler
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HANG_S = 5.0
SILENT_S = 90.0
STALL_MS = 100.0  # wall clock, less the GUI thread's run-queue wait
CPU_STALL_MS = 100.0  # the GUI thread's own CPU time within one gap or one action call
PAUSE_MAX_S = 0.6
PROMPTS = ["Hello!", "Write a Python function to add two numbers.",
           "Tell me about speculative decoding.", "def fib(n):", "What is a token?"]
ACTIONS = ["pair", "mode", "device", "send", "send", "stop", "regenerate", "race",
           "race_stop", "models_tab", "chat_tab", "reopen", "pause"]


# -- the child: the window and its actions ----------------------------------------------------

@dataclass
class Child:
    rng: random.Random
    window: Any = None
    beat: float = field(default_factory=time.monotonic)

    def open_window(self) -> None:
        from PySide6.QtWidgets import QApplication

        from app.ui.main_window import MainWindow
        from app.ui.theme import theme

        app = QApplication.instance()
        assert isinstance(app, QApplication)
        theme.apply(app)
        self.window = MainWindow(autoload=True)
        self.window.resize(1280, 820)
        self.window.show()

    def settle(self, timeout_s: float = 30.0) -> float:
        """Pump until the new window has filled in (the charts, built once their import on
        a start-up thread is done); its longest stall meanwhile, a start-up figure."""
        from app.ui.workers.stall_probe import StallProbe

        probe = StallProbe()
        probe.start()
        end = time.monotonic() + timeout_s
        while self.window.chat_tab._metrics is None and time.monotonic() < end:
            self.pump(0.02)
        probe.stop()
        return probe.longest_app_ms

    def pump(self, seconds: float) -> None:
        from PySide6.QtWidgets import QApplication

        end = time.monotonic() + seconds
        while time.monotonic() < end:
            QApplication.processEvents()
            time.sleep(0.002)

    def _combo(self, combo: Any) -> None:
        if combo.count() > 1:
            combo.setCurrentIndex(self.rng.randrange(combo.count()))

    def act(self, action: str) -> None:
        w = self.window
        controls = w.chat_tab.controls
        if action == "pair":
            self._combo(controls.pair)
            w.controls.load()
        elif action == "mode":
            self._combo(controls.mode)
            w.controls.load()
        elif action == "device":
            self._combo(controls.draft_device if self.rng.random() < 0.5
                        else controls.target_device)
            w.controls.load()
        elif action == "send":
            w.tabs.setCurrentWidget(w.chat_tab)
            w.chat.send(self.rng.choice(PROMPTS))
        elif action == "stop":
            w.chat.stop()
        elif action == "regenerate":
            w.chat.regenerate()
        elif action == "race":
            w.tabs.setCurrentWidget(w.race_tab)
            controller = w.race_tab.controller
            controller.view.max_tokens.setValue(self.rng.choice([8, 16, 32]))
            controller.view.repeats.setValue(1)
            controller.start()
        elif action == "race_stop":
            if w.race_tab._controller is not None:
                w.race_tab.controller.stop()
        elif action == "models_tab":
            w.tabs.setCurrentWidget(w.models_tab)
        elif action == "chat_tab":
            w.tabs.setCurrentWidget(w.chat_tab)
        elif action == "reopen":
            old = self.window
            old.close()  # hides at once; closes for real once its threads have ended
            old.deleteLater()
            self.open_window()
            self.settle()


def _second_pair() -> None:
    from app.core.store.events import CancelToken
    from app.core.store.pull import add
    from app.paths import demo_dir

    demo = demo_dir()
    result = add(str(demo / "target"), str(demo / "draft"), "second", lambda e: None,
                 CancelToken(), load=False)
    if not result.ok:
        raise SystemExit(f"stress: could not add the second pair: {result.problems}")


def _watch(child: Child) -> None:
    """A hang: the GUI heartbeat stopped. Say where every thread is, then exit."""
    while True:
        time.sleep(0.25)
        if time.monotonic() - child.beat > HANG_S:
            print(json.dumps({"hang": True, "seconds": round(time.monotonic() - child.beat,
                                                             1)}), flush=True)
            faulthandler.dump_traceback(file=sys.stderr, all_threads=True)
            os._exit(70)


# Qt's warnings that a thread rule was broken (an object used from a thread it does not
# live on): each is a bug, and the kind that ends in a native crash.
THREAD_WARNINGS = ("from another thread", "different thread", "Cannot create children",
                   "Cannot send events to objects owned by a different thread")


def _catch_thread_warnings() -> None:
    """Print Qt's thread-rule warnings as JSON lines, with the Python stack that caused
    them (the handler runs on the offending thread)."""
    import traceback

    from PySide6.QtCore import QtMsgType, qInstallMessageHandler

    def handler(kind: QtMsgType, _context: object, message: str) -> None:
        if any(needle in message for needle in THREAD_WARNINGS):
            print(json.dumps({"thread_warning": message,
                              "thread": threading.current_thread().name,
                              "stack": traceback.format_stack()[-14:]}), flush=True)
        elif kind in (QtMsgType.QtCriticalMsg, QtMsgType.QtFatalMsg):
            print(f"qt: {message}", file=sys.stderr, flush=True)

    qInstallMessageHandler(handler)


def run_child(actions: int, seed: int) -> int:
    from PySide6.QtCore import Qt, QTimer
    from PySide6.QtWidgets import QApplication

    from app.ui.workers.stall_probe import StallProbe
    from app.ui.workers.threads import end_all, live_count

    faulthandler.enable(file=sys.stderr, all_threads=True)
    _catch_thread_warnings()
    app = QApplication(sys.argv[:1])
    _second_pair()
    child = Child(random.Random(seed))
    heartbeat = QTimer()
    heartbeat.setTimerType(Qt.TimerType.PreciseTimer)
    heartbeat.setInterval(20)
    heartbeat.timeout.connect(lambda: setattr(child, "beat", time.monotonic()))
    heartbeat.start()
    threading.Thread(target=_watch, args=(child,), name="stress-watchdog", daemon=True).start()
    t0 = time.perf_counter()
    child.open_window()
    opened_ms = (time.perf_counter() - t0) * 1000
    print(json.dumps({"opened_ms": round(opened_ms, 1),
                      "first_show_ms": round(child.settle(), 1)}), flush=True)
    probe = StallProbe()
    for i in range(actions):
        action = child.rng.choice(ACTIONS)
        t0, c0 = time.perf_counter(), time.thread_time()
        child.act(action) if action != "pause" else None
        call_ms = (time.perf_counter() - t0) * 1000
        call_cpu_ms = (time.thread_time() - c0) * 1000
        probe.start()
        child.pump(child.rng.uniform(0.0, PAUSE_MAX_S) if action != "pause" else 2.0)
        probe.stop()
        gen = child.window.generation
        if action == "reopen":
            print(json.dumps({"opened_ms": round(call_ms, 1)}), flush=True)
        print(json.dumps({"i": i, "action": action, "call_ms": round(call_ms, 1),
                          "call_cpu_ms": round(call_cpu_ms, 1),
                          "stall_ms": round(probe.longest_ms, 1),
                          "stall_app_ms": round(probe.longest_app_ms, 1),
                          "stall_library_ms": round(probe.longest_library_ms, 1),
                          "stall_cpu_ms": round(probe.longest_cpu_ms, 1),
                          "state": gen.state.value, "threads": live_count()}), flush=True)
    child.window.close()
    end_all()
    deadline = time.monotonic() + 60
    while live_count() and time.monotonic() < deadline:
        child.pump(0.05)
    print(json.dumps({"done": True, "threads_left": live_count()}), flush=True)
    del app
    return 0 if not live_count() else 3


# -- the parent: the watchdog and the report --------------------------------------------------

@dataclass
class Report:
    stall_ms: float = STALL_MS
    actions: int = 0
    crashes: int = 0
    hangs: int = 0
    stalls: list[dict] = field(default_factory=list)
    longest_stall_ms: float = 0.0
    longest_wall_ms: float = 0.0
    longest_library_ms: float = 0.0
    library_stalls: int = 0
    longest_stall_cpu_ms: float = 0.0
    longest_call_ms: float = 0.0
    longest_call_action: str = ""
    longest_stall_action: str = ""
    opened_ms: list[float] = field(default_factory=list)
    first_show_ms: float = 0.0
    by_action: dict[str, int] = field(default_factory=dict)
    exit_code: int | None = None
    finished: bool = False
    error_tail: str = ""
    thread_warnings: list[dict] = field(default_factory=list)  # Qt: a thread rule broken

    def add(self, line: dict) -> None:
        if "opened_ms" in line:
            self.opened_ms.append(line["opened_ms"])
        if "first_show_ms" in line:
            self.first_show_ms = max(self.first_show_ms, line["first_show_ms"])
        if line.get("hang"):
            self.hangs += 1
        if "thread_warning" in line:
            self.thread_warnings.append(line)
        if line.get("done"):
            self.finished = True
        if "action" not in line:
            return
        self.actions += 1
        action = line["action"]
        self.by_action[action] = self.by_action.get(action, 0) + 1
        if action == "reopen":  # a start-up: the new window's build and first paint
            self.first_show_ms = max(self.first_show_ms, line["stall_ms"])
            return
        if line["call_ms"] > self.longest_call_ms:
            self.longest_call_ms, self.longest_call_action = line["call_ms"], action
        if line["stall_app_ms"] > self.longest_stall_ms:
            self.longest_stall_ms, self.longest_stall_action = line["stall_app_ms"], action
        self.longest_wall_ms = max(self.longest_wall_ms, line["stall_ms"])
        self.longest_library_ms = max(self.longest_library_ms, line["stall_library_ms"])
        self.library_stalls += line["stall_library_ms"] > self.stall_ms
        self.longest_stall_cpu_ms = max(self.longest_stall_cpu_ms, line["stall_cpu_ms"])
        wall = line["stall_app_ms"] > self.stall_ms or line["call_ms"] > self.stall_ms
        cpu = line["stall_cpu_ms"] > CPU_STALL_MS or line["call_cpu_ms"] > CPU_STALL_MS
        if wall or cpu:
            self.stalls.append(line)

    @property
    def ok(self) -> bool:
        return (self.finished and not self.crashes and not self.hangs and not self.stalls
                and not self.thread_warnings)

    def summary(self) -> str:
        return (f"stress: {self.actions} actions, {self.crashes} crashes, {self.hangs} hangs, "
                f"{len(self.thread_warnings)} Qt thread-rule warnings, "
                f"{len(self.stalls)} stalls over {self.stall_ms:.0f} ms; longest event-loop stall "
                f"{self.longest_stall_ms:.1f} ms (after {self.longest_stall_action or '-'}; "
                f"wall clock with run-queue waits {self.longest_wall_ms:.1f} ms; GUI-thread "
                f"CPU {self.longest_stall_cpu_ms:.1f} ms); inside GenAI's GIL-holding "
                f"draft_model: {self.library_stalls} over {self.stall_ms:.0f} ms, longest "
                f"{self.longest_library_ms:.1f} ms; longest action call "
                f"{self.longest_call_ms:.1f} ms ({self.longest_call_action or '-'}); windows "
                f"opened {len(self.opened_ms)} (longest build "
                f"{max(self.opened_ms, default=0):.0f} ms, first show "
                f"{self.first_show_ms:.0f} ms, start-ups not counted as stalls); actions "
                f"{dict(sorted(self.by_action.items()))}")


def run_parent(actions: int, seed: int, headed: bool, echo: Callable[[str], None],
               stall_ms: float = STALL_MS) -> Report:
    report = Report(stall_ms=stall_ms)
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    if not headed:
        env["QT_QPA_PLATFORM"] = "offscreen"
    with tempfile.TemporaryDirectory(prefix="tandem-stress-") as home:
        env["TANDEM_HOME"] = home
        cmd = [sys.executable, "-X", "faulthandler", "-m", "app.devtools.stress", "--child",
               "--actions", str(actions), "--seed", str(seed)]
        with tempfile.TemporaryFile("w+", encoding="utf-8") as err:
            proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=err, text=True,
                                    env=env, cwd=Path(__file__).resolve().parents[2])
            assert proc.stdout is not None
            last = [time.monotonic()]
            killer = threading.Thread(target=_kill_when_silent, args=(proc, last), daemon=True)
            killer.start()
            for raw in proc.stdout:
                last[0] = time.monotonic()
                try:
                    line = json.loads(raw)
                except json.JSONDecodeError:
                    continue
                report.add(line)
                echo(raw.rstrip())
            report.exit_code = proc.wait()
            err.seek(0)
            report.error_tail = err.read()[-6000:]
    if report.exit_code not in (0, 70) or (report.exit_code == 0 and not report.finished):
        report.crashes += 1
    if report.exit_code == 70 and not report.hangs:
        report.hangs += 1
    return report


def _kill_when_silent(proc: subprocess.Popen, last: list[float]) -> None:
    while proc.poll() is None:
        time.sleep(1)
        if time.monotonic() - last[0] > SILENT_S:
            proc.kill()  # a hang the child's own watchdog could not report
            return


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--actions", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--headed", action="store_true", help="show the window on screen")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--quiet", action="store_true", help="no line per action")
    parser.add_argument("--stall-ms", type=float, default=STALL_MS,
                        help=f"the wall-clock stall that fails the run (default {STALL_MS:.0f}; "
                        "the GUI thread's own CPU time is held to "
                        f"{CPU_STALL_MS:.0f} ms whatever this says)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return run_child(args.actions, args.seed)
    report = run_parent(args.actions, args.seed, args.headed,
                        (lambda _s: None) if args.quiet or args.json else print, args.stall_ms)
    if args.json:
        print(json.dumps({**report.__dict__, "ok": report.ok}))
    else:
        for line in report.stalls:
            print(f"stall: {line}")
        if report.crashes or report.hangs:
            print(f"child exit code {report.exit_code}; its stderr ends with:\n"
                  f"{report.error_tail}")
        print(report.summary())
    return 0 if report.ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
