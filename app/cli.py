"""Command-line faces of the core: argument parsing only, each command calls into core."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Callable, Sequence

from app.core.engine.errors import TandemError

Handler = Callable[[argparse.Namespace], int]
# Each module defines register(subparsers), adding its commands with set_defaults(handler=...).
# Handlers import heavy modules lazily, so `tandem --help` stays fast.
COMMAND_MODULES = ("generate", "serve", "models", "bench")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tandem",
        description="Tandem: faster local LLMs with speculative decoding (OpenVINO GenAI). "
                    "Without a command, opens the window.")
    parser.add_argument("--self-test", action="store_true",
                        help="check the install offscreen: window, catalog, devices, demo pair")
    parser.add_argument("--version", action="store_true", help="print the version")
    sub = parser.add_subparsers(dest="command")
    for name in COMMAND_MODULES:
        importlib.import_module(f"app.commands.{name}").register(sub)
    return parser


def _tolerant_streams() -> None:
    # A Windows console or pipe in cp1252 cannot print every character a model writes;
    # replace those rather than failing in the middle of an answer.
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="replace")


def main(argv: Sequence[str] | None = None) -> int:
    _tolerant_streams()
    args = build_parser().parse_args(argv)
    try:
        if args.version:
            from importlib.metadata import version

            print(version("tandem"))
            return 0
        if args.self_test:
            from app.selftest import run_self_test

            return run_self_test()
        if args.command is None:
            from app.commands.generate import open_window

            return open_window(args)
        handler: Handler = args.handler
        return handler(args)
    except TandemError as exc:
        print(f"tandem: {exc.message}", file=sys.stderr)
        if exc.hint:
            print(f"  {exc.hint}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`tandem generate ... | head`): stop quietly, as cat would.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141


if __name__ == "__main__":
    raise SystemExit(main())
