"""Screenshots of the looks: light and dark themes, Settings, edit/resend, the race.

    python -m app.devtools.screenshots_chat --out docs/screenshots

Like screenshots.py: the outer process starts Xvfb (apt-get install xvfb) and runs
itself again inside it with a fresh TANDEM_HOME; the inner one drives the real window
with the demo pair.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from app.devtools.xvfb import open_window, run_inside_xvfb

PROMPTS = ("Write a Python function to add two numbers.",
           "Tell me about speculative decoding.")


def outer(out: Path, display: str) -> int:
    return run_inside_xvfb("app.devtools.screenshots_chat", ["--out", str(out)], display)


def inner(out: Path) -> int:
    from PySide6.QtGui import QGuiApplication

    from app.ui.workers.generation_controller import PairState

    shots = open_window(out)
    app, window, wait_until = shots.app, shots.window, shots.wait_until

    def shoot(name: str) -> None:
        for _ in range(5):
            app.processEvents()
            time.sleep(0.05)
        QGuiApplication.primaryScreen().grabWindow(0).save(str(out / name))
        print("saved", out / name)

    done: list[object] = []
    window.chat.answer_finished.connect(done.append)
    wait_until(lambda: window.generation.state is PairState.READY)
    window.chat_tab.chat.system_prompt.setText("You are a concise assistant.\n"
                                              "Answer in short paragraphs.")
    for prompt in PROMPTS:
        done.clear()
        window.chat.send(prompt)
        wait_until(lambda: done)
    time.sleep(1.2)  # let the system panel take a reading
    for name in ("light", "dark"):
        window.settings.theme = name
        window.apply_look()
        shoot(f"theme-{name}.png")
    dialog = window.open_settings()  # a dialog in the dark theme: no dark-on-dark
    dialog.move(window.geometry().center() - dialog.rect().center())
    shoot("settings-dark.png")
    dialog.reject()
    window.settings.theme = "light"
    window.apply_look()
    # Edit the first message: the input holds it, the banner says what Send does, and
    # Send asks before the later turns are replaced.
    window.chat.begin_edit(0)
    window.chat_tab.chat.input.setPlainText("Write a Python function to multiply two "
                                            "numbers.")
    box = window.chat.ask_resend(0, window.chat_tab.chat.input.toPlainText())
    if box is not None:
        box.move(window.geometry().center() - box.rect().center())
    shoot("edit-resend.png")
    if box is not None:
        box.reject()
    window.chat.cancel_edit()
    # The race tab after one round: both panes marked alike, the timeline in ms.
    window.tabs.setCurrentWidget(window.race_tab)
    race = window.race_tab
    race.view.max_tokens.setValue(64)
    race.view.repeats.setValue(1)
    finished: list[object] = []
    race.controller.race_finished.connect(finished.append)
    race.view.run_button.click()
    wait_until(lambda: finished, 120.0)
    shoot("race-timeline.png")
    window.close()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    parser.add_argument("--display", default=":96")
    parser.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.inner:
        return inner(args.out)
    return outer(args.out.resolve(), args.display)


if __name__ == "__main__":
    raise SystemExit(main())
