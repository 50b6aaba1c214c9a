"""Command-line faces of the core: argument parsing only, each command calls into core."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from app.core.engine.errors import TandemError

Handler = Callable[[argparse.Namespace], int]


def _add_generate(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("generate", help="generate a completion headless (demo pair by default)")
    p.add_argument("prompt", help="the user's message (or raw text with --raw)")
    src = p.add_argument_group("models")
    src.add_argument("--pair", help="a ready pair from `tandem models list`")
    src.add_argument("--target", help="target model folder (OpenVINO IR)")
    src.add_argument("--draft", help="draft model folder (OpenVINO IR)")
    src.add_argument("--no-draft", action="store_true", help="run the target alone")
    src.add_argument("--device", default="CPU", help="device for the target (default CPU)")
    src.add_argument("--draft-device", help="device for the draft (default: the target's)")
    spec = p.add_mutually_exclusive_group()
    spec.add_argument("--k", type=int, help="draft tokens per target step")
    spec.add_argument("--confidence", type=float, help="draft until confidence drops below X")
    spec.add_argument("--prompt-lookup", type=int, metavar="N",
                      help="prompt lookup decoding with n-grams up to N (no draft)")
    s = p.add_argument_group("sampling (greedy unless --temperature is given)")
    s.add_argument("--temperature", type=float)
    s.add_argument("--top-p", type=float, default=1.0)
    s.add_argument("--top-k", type=int, default=0)
    s.add_argument("--seed", type=int)
    p.add_argument("--max-new-tokens", type=int, default=128)
    p.add_argument("--stop", action="append", default=[], help="stop string (repeatable)")
    p.add_argument("--system", help="system prompt")
    p.add_argument("--raw", action="store_true", help="complete the text as-is, no chat template")
    p.add_argument("--json", action="store_true", help="print one JSON object")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tandem",
        description="Tandem: faster local LLMs with speculative decoding (OpenVINO GenAI). "
                    "Without a command, opens the window.")
    parser.add_argument("--self-test", action="store_true",
                        help="check the install offscreen: window, catalog, devices, demo pair")
    parser.add_argument("--version", action="store_true", help="print the version")
    sub = parser.add_subparsers(dest="command")
    _add_generate(sub)
    sub.add_parser("devices", help="list the OpenVINO devices on this machine")
    sub.add_parser("demo", help="run the offline demo pair once, headless")
    return parser


def _handlers() -> dict[str, Handler]:
    from app import commands

    return {
        "generate": commands.generate,
        "devices": commands.devices,
        "demo": commands.demo,
    }


def main(argv: Sequence[str] | None = None) -> int:
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
            from app.commands import open_window

            return open_window(args)
        return _handlers()[args.command](args)
    except TandemError as exc:
        print(f"tandem: {exc.message}", file=sys.stderr)
        if exc.hint:
            print(f"  {exc.hint}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
