"""Screenshots of the real window answering from servers that aren't Tandem's.

    python -m app.devtools.remote_screenshots --speculative http://127.0.0.1:8091 \
        --plain http://127.0.0.1:8092 --out docs/screenshots --prefix remote-llamacpp

Saves `<prefix>-chat.png` (a chat answered by the speculative server, with the
acceptance the server reported) and, with --plain, `<prefix>-race.png` (the Race tab with
the plain server on one side and the speculative one on the other). Like
`app.devtools.screenshots` it runs itself again under Xvfb with a fresh TANDEM_HOME; the
two endpoints are saved there first, as a user would add them under "Remote servers…".
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

from app.devtools.xvfb import open_window, run_inside_xvfb

CHAT_PROMPT = "Write a Python function that checks whether a string is a palindrome."
RACE_PROMPT = "Write a Python function that parses an ISO 8601 date string."


def outer(args: argparse.Namespace) -> int:
    command = ["--out", str(args.out.resolve()), "--prefix", args.prefix,
               "--speculative", args.speculative, "--tokens", str(args.tokens)]
    if args.plain:
        command += ["--plain", args.plain]
    return run_inside_xvfb("app.devtools.remote_screenshots", command, args.display)


def inner(args: argparse.Namespace) -> int:
    from PySide6.QtGui import QGuiApplication

    from app.core.engine.remote import Endpoint
    from app.core.engine.remote.endpoint import save_endpoints
    from app.ui.shared.remote_pairs import REMOTE_PREFIX

    speculative = Endpoint(args.speculative, name="llama.cpp server + 0.5B draft")
    plain = Endpoint(args.plain, name="llama.cpp server, plain") if args.plain else None
    save_endpoints([speculative, *([plain] if plain else [])])
    out: Path = args.out
    shots = open_window(out)
    app, window = shots.app, shots.window

    def wait_until(condition: Callable[[], object]) -> bool:
        return shots.wait_until(condition, 600.0)  # a real server answers slowly

    def shoot(name: str) -> None:
        app.processEvents()
        QGuiApplication.primaryScreen().grabWindow(0).save(str(out / name))
        print("saved", out / name, flush=True)

    done: list[object] = []
    window.chat.answer_finished.connect(done.append)
    window.chat_tab.controls.max_new.setValue(args.tokens)
    combo = window.chat_tab.controls.pair
    combo.setCurrentIndex(combo.findData(REMOTE_PREFIX + speculative.id))
    window.chat.send(CHAT_PROMPT)
    if not wait_until(lambda: done):
        print("the chat answer did not finish", file=sys.stderr)
        return 1
    stats = getattr(done[0], "stats", None)
    print("chat:", stats.summary() if stats else done[0], flush=True)
    time.sleep(1.0)
    shoot(f"{args.prefix}-chat.png")
    if plain is not None:
        race = window.race_tab
        window.tabs.setCurrentWidget(race)
        app.processEvents()
        view = race.view
        view.plain_side.setCurrentIndex(view.plain_side.findData(REMOTE_PREFIX + plain.id))
        view.speculative_side.setCurrentIndex(
            view.speculative_side.findData(REMOTE_PREFIX + speculative.id))
        view.prompt.setText(RACE_PROMPT)
        view.max_tokens.setValue(args.tokens)
        view.repeats.setValue(1)
        finished: list[object] = []
        race.controller.race_finished.connect(finished.append)
        race.controller.race_failed.connect(finished.append)
        view.run_button.click()
        if not wait_until(lambda: finished):
            print("the race did not finish", file=sys.stderr)
            return 1
        print("race:", view.result.text(), flush=True)
        print("plain pane:", view.plain.status.text(), flush=True)
        print("speculative pane:", view.speculative.status.text(), flush=True)
        time.sleep(0.5)
        shoot(f"{args.prefix}-race.png")
    window.close()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--speculative", required=True, help="a server with a draft model")
    parser.add_argument("--plain", help="the same target without a draft (for the race)")
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    parser.add_argument("--prefix", default="remote")
    parser.add_argument("--tokens", type=int, default=96)
    parser.add_argument("--display", default=":96")
    parser.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    return inner(args) if args.inner else outer(args)


if __name__ == "__main__":
    raise SystemExit(main())
