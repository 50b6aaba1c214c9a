"""Run the real window under Xvfb and save screenshots before, during and after a run.

    python -m app.devtools.screenshots --out docs/screenshots

Needs the `Xvfb` binary (Debian: apt-get install xvfb). The outer process starts Xvfb
and runs itself again inside it; the inner process drives the window with a fresh
TANDEM_HOME, as a newcomer would see it. The demo pair answers in a fraction of a second,
so the inner run slows each step on the worker thread to catch a frame mid-answer.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from app.devtools.xvfb import open_window, run_inside_xvfb


def outer(out: Path, display: str, extra: tuple[str, ...] = ()) -> int:
    return run_inside_xvfb("app.devtools.screenshots", ["--out", str(out), *extra], display)


def inner(out: Path) -> int:
    from PySide6.QtCore import QPoint, Qt, QTimer
    from PySide6.QtGui import QGuiApplication

    from app.ui.workers.generation_controller import PairState

    shots = open_window(out)
    app, window, wait_until = shots.app, shots.window, shots.wait_until

    def shoot(name: str) -> None:
        app.processEvents()
        screen = QGuiApplication.primaryScreen()
        screen.grabWindow(0).save(str(out / name))
        print("saved", out / name)

    done: list[object] = []

    def on_answer(result: object) -> None:  # one slot for the whole session
        done.append(result)

    window.chat.answer_finished.connect(on_answer)

    def answer(prompt: str) -> None:
        done.clear()
        window.chat.send(prompt)
        wait_until(lambda: done)

    wait_until(lambda: window.generation.state is PairState.READY)
    time.sleep(1.2)  # let the system panel take a reading
    shoot("first-launch.png")
    answer("Write a Python function to add two numbers.")
    worker = window.generation.host.worker  # type: ignore[union-attr]
    def slow_step(_rid: int, _event: object) -> None:
        time.sleep(0.06)

    worker.step.connect(slow_step, Qt.ConnectionType.DirectConnection)
    steps_seen: list[int] = []
    window.generation.steps.connect(lambda _rid, events: steps_seen.append(len(events)))
    done.clear()
    window.chat.send("Tell me about speculative decoding.")
    wait_until(lambda: len(steps_seen) >= 6)
    shoot("during-run.png")
    wait_until(lambda: done)
    worker.step.disconnect(slow_step)
    # The slowed run's figures are not real: answer again at full speed for "after".
    done.clear()
    window.chat.regenerate()
    wait_until(lambda: done)
    time.sleep(1.2)
    shoot("after-run.png")
    # Hover a tinted token to show its step.
    view = window.chat_tab.chat.view
    position = next((p for p in range(view.document().characterCount() - 1, 0, -1)
                     if (o := view.origin_at(p)) and o[3]), None)
    if position is not None:
        cursor = view.textCursor()
        cursor.setPosition(position)
        point = view.cursorRect(cursor).center() + QPoint(-2, 0)
        from PySide6.QtWidgets import QToolTip

        QToolTip.showText(view.viewport().mapToGlobal(point), view.tooltip_at(point), view)
        time.sleep(0.3)
        shoot("hover-step.png")
    QTimer.singleShot(0, window.close)
    window.close()
    return 0


def inner_help_menu(out: Path) -> int:
    """Only docs/screenshots/help-menu.png: the window with its Help menu open."""
    from PySide6.QtGui import QGuiApplication

    from app.ui.workers.generation_controller import PairState

    shots = open_window(out)
    app, window = shots.app, shots.window
    shots.wait_until(lambda: window.generation.state is PairState.READY
                     and window.controls.devices_listed)
    time.sleep(1.2)  # let the system panel take a reading
    app.processEvents()
    window.menuBar().setActiveAction(window.help_menu.menuAction())
    for _ in range(50):
        app.processEvents()
        time.sleep(0.01)
    QGuiApplication.primaryScreen().grabWindow(0).save(str(out / "help-menu.png"))
    print("saved", out / "help-menu.png")
    window.close()
    return 0


def inner_hybrid(out: Path) -> int:
    """Only docs/screenshots/hybrid-tint.png: Hybrid mode, one prompt asked twice. The
    second answer repeats the first, which is in the context, so prompt lookup supplies
    it (amber); the first answer's accepted tokens came from the draft (green)."""
    from PySide6.QtGui import QGuiApplication

    from app.core.settings import RunMode
    from app.ui.workers.generation_controller import PairState

    shots = open_window(out)
    app, window, wait_until = shots.app, shots.window, shots.wait_until
    wait_until(lambda: window.generation.state is PairState.READY)
    controls = window.chat_tab.controls
    controls.mode.setCurrentIndex(controls.mode.findData(RunMode.HYBRID.value))
    controls.max_new.setValue(48)
    wait_until(lambda: window.generation.state is PairState.READY
               and window.generation.spec is not None
               and window.generation.spec.resolved_mode.value == "universal")
    done: list[object] = []
    window.chat.answer_finished.connect(done.append)
    for turn in (1, 2):
        window.chat.send("Tell me about speculative decoding.")
        wait_until(lambda turn=turn: len(done) >= turn)  # type: ignore[misc]
    time.sleep(1.2)
    app.processEvents()
    QGuiApplication.primaryScreen().grabWindow(0).save(str(out / "hybrid-tint.png"))
    print("saved", out / "hybrid-tint.png")
    window.close()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    parser.add_argument("--display", default=":97")
    parser.add_argument("--help-menu", action="store_true",
                        help="only the Help menu screenshot (help-menu.png)")
    parser.add_argument("--hybrid", action="store_true",
                        help="only the hybrid tint screenshot (hybrid-tint.png)")
    parser.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.inner:
        if args.hybrid:
            return inner_hybrid(args.out)
        return inner_help_menu(args.out) if args.help_menu else inner(args.out)
    extra = ("--help-menu",) if args.help_menu else ("--hybrid",) if args.hybrid else ()
    return outer(args.out.resolve(), args.display, extra)


if __name__ == "__main__":
    raise SystemExit(main())
