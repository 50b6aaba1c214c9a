"""`tandem generate`, `tandem demo`, `tandem devices`, and opening the window."""

from __future__ import annotations

import argparse
import json
import sys
import threading
from dataclasses import replace
from pathlib import Path
from typing import Any

from app import paths
from app.commands.generate_request import request_from_args
from app.commands.interruptible import echo_sink, run_on_worker
from app.core.engine import GenerationRequest, Mode, PairSpec, load_session
from app.core.engine.errors import InvalidSettingsError
from app.core.engine.precision import effective_precision
from app.core.engine.report import format_stats
from app.core.engine.types import GenerationResult

DEMO_PROMPT = "Tell me about speculative decoding."


def demo_spec(with_draft: bool = True, device: str = "CPU") -> PairSpec:
    demo = paths.demo_dir()
    return PairSpec(target=demo / "target", draft=demo / "draft" if with_draft else None,
                    device=device, name="Tandem demo pair")


EXACT_HELP = ("compute in f32 on every device (greedy speculative text then equals plain's "
              "token for token; slower where the device defaults to bf16 or f16)")


HYBRID_HELP = ("hybrid drafting on Tandem's loop: where the answer's last n-gram (n up to N) "
               "occurred before, propose what followed it; otherwise ask the draft")


def spec_from_args(args: argparse.Namespace) -> PairSpec:
    """The pair `generate` or `serve` loads: the options' models, mode and arithmetic."""
    return replace(_models_from_args(args), exact=bool(getattr(args, "exact", False)))


def _models_from_args(args: argparse.Namespace) -> PairSpec:
    if args.pair:
        from app.core.store.pairs import ready_pair_spec

        spec = ready_pair_spec(args.pair, device=args.device, draft_device=args.draft_device)
    elif args.target:
        spec = PairSpec(target=Path(args.target),
                        draft=Path(args.draft) if args.draft else None,
                        device=args.device, draft_device=args.draft_device)
        if spec.draft is not None and not args.no_draft and args.prompt_lookup is None:
            from app.core.engine.model_folder import check_model_folder
            from app.core.engine.universal.selection import speculative_mode

            check_model_folder(spec.target, "target")
            check_model_folder(spec.draft, "draft")
            # Same tokenizer: OpenVINO GenAI; another tokenizer: the universal loop.
            spec = replace(spec, mode=speculative_mode(spec.target, spec.draft))
    else:
        if args.draft:
            raise InvalidSettingsError("--draft needs --target.",
                                       "Give both folders, or neither for the demo pair.")
        spec = replace(demo_spec(device=args.device), draft_device=args.draft_device)
    if args.prompt_lookup is not None:
        return replace(spec, draft=None, draft_device=None, mode=Mode.PROMPT_LOOKUP)
    if getattr(args, "hybrid", None) is not None:
        if args.no_draft or spec.draft is None:
            raise InvalidSettingsError("--hybrid needs a draft model.",
                                       "Drop --no-draft, or use --prompt-lookup alone.")
        return replace(spec, mode=Mode.UNIVERSAL)  # the loop, whatever the tokenizers
    if args.no_draft or spec.draft is None:
        return replace(spec, draft=None, draft_device=None, mode=Mode.PLAIN)
    return spec


def run_interruptibly(target: PairSpec, request: GenerationRequest,
                      echo: bool) -> GenerationResult:
    """Load and generate on one worker thread (a session lives on the thread that made it)."""

    def work(stop: threading.Event) -> GenerationResult:
        session = load_session(target)
        try:
            return session.generate(request, echo_sink(echo), stop)
        finally:
            session.close()

    return run_on_worker(work)


def generate(args: argparse.Namespace) -> int:
    if getattr(args, "endpoint", None):
        from app.commands.endpoint_generate import generate_remote

        return generate_remote(args)
    spec = spec_from_args(args)
    request = request_from_args(args, spec.resolved_mode)
    result = run_interruptibly(spec, request, echo=not args.json)
    if args.json:
        precision = effective_precision(spec.target, spec.device, spec.load_properties())
        print(json.dumps({"text": result.text, **result.stats.to_dict(),
                          "precision": precision, "exact": spec.exact}, ensure_ascii=False))
    else:
        print("\n")
        print(format_stats(result.stats))
    return 0


def devices(args: argparse.Namespace) -> int:
    from app.core.sysinfo import list_devices

    for device in list_devices():
        print(f"{device.name:8} {device.full_name}")
    return 0


def demo(args: argparse.Namespace) -> int:
    spec = demo_spec()
    print(f"Tandem demo pair (offline): {DEMO_PROMPT}\n")
    request = GenerationRequest.chat(DEMO_PROMPT, max_new_tokens=96, num_assistant_tokens=3)
    result = run_interruptibly(spec, request, echo=True)
    print("\n")
    print(format_stats(result.stats))
    return 0


def open_window(args: argparse.Namespace) -> int:
    from app.qt_platform_check import window_problem

    problem = window_problem()  # before Qt: a missing X11 library would abort the process
    if problem:
        print(problem, file=sys.stderr)
        return 2
    try:
        from app.ui.main import run_app
    except ImportError as exc:
        # A missing system library (libEGL, xcb) is the usual cause on a bare Linux box.
        print(f"tandem: the window could not start: {exc}", file=sys.stderr)
        print("  On Linux install the Qt runtime libraries (libegl1, libxkbcommon-x11-0, "
              "libxcb-cursor0), or use the headless commands: tandem demo, tandem generate.",
              file=sys.stderr)
        return 2
    return run_app()


def register(sub: Any) -> None:
    p = sub.add_parser("generate", help="generate a completion headless (demo pair by default)")
    p.add_argument("prompt", help="the user's message (or raw text with --raw)")
    src = p.add_argument_group("models")
    src.add_argument("--pair", help="a ready pair from `tandem models list`")
    src.add_argument("--target", help="target model folder (OpenVINO IR)")
    src.add_argument("--draft", help="draft model folder (OpenVINO IR)")
    src.add_argument("--no-draft", action="store_true", help="run the target alone")
    src.add_argument("--device", default="CPU", help="device for the target (default CPU)")
    src.add_argument("--draft-device", help="device for the draft (default: the target's)")
    src.add_argument("--exact", action="store_true", help=EXACT_HELP)
    src.add_argument("--hybrid", type=int, metavar="N", help=HYBRID_HELP)
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
    from app.commands.endpoint_generate import add_endpoint_arguments

    add_endpoint_arguments(p)
    p.set_defaults(handler=generate)
    sub.add_parser("devices", help="list the OpenVINO devices on this machine").set_defaults(
        handler=devices)
    sub.add_parser("demo", help="run the offline demo pair once, headless").set_defaults(
        handler=demo)
