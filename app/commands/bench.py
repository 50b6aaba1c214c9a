"""`tandem bench` (plain against speculative, tables and a chart) and `tandem tune`."""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from app import paths
from app.core.engine import PairSpec
from app.core.engine.errors import InvalidSettingsError
from app.core.engine.validation import MAX_K


def _spec(args: argparse.Namespace) -> tuple[PairSpec, str]:
    """The pair to measure and the id its tuned choice is stored under."""
    if args.target:
        if not args.draft:
            raise InvalidSettingsError("--target needs --draft for a comparison.",
                                       "Give the draft folder too, or use --pair.")
        target, draft = Path(args.target), Path(args.draft)
        name = args.name or f"{target.name} + {draft.name}"
        return PairSpec(target, draft, args.device, args.draft_device, name=name), \
            args.name or f"{target.resolve()}+{draft.resolve()}"
    from app.core.store.pairs import ready_pair_spec

    pair_id = getattr(args, "pair", None) or "demo"
    return ready_pair_spec(pair_id, args.device, args.draft_device), pair_id


def _settings(args: argparse.Namespace) -> Any:
    from app.core.bench.matrix import FULL, QUICK

    settings = QUICK if args.quick else FULL
    changes: dict[str, Any] = {}
    if args.prompts:
        changes["prompts"] = tuple(args.prompts.split(","))
    if args.new_tokens:
        changes["new_tokens"] = tuple(int(n) for n in args.new_tokens.split(","))
    if args.repeats:
        changes["repeats"] = args.repeats
    if args.k:
        changes["k"] = args.k
    if args.k_sweep is not None:
        changes["k_sweep"] = tuple(int(k) for k in args.k_sweep.split(",") if k)
    if args.confidence_sweep is not None:
        changes["confidence_sweep"] = tuple(float(c) for c in
                                            args.confidence_sweep.split(",") if c)
    if args.greedy_only:
        changes["decodings"] = ("greedy",)
    return replace(settings, **changes)


def _progress(row: Any) -> None:
    if row.speedup is None:
        return
    check = {True: "identical", None: "sampled"}.get(row.identical,
                                                     row.identity or "DIFFERENT")
    print(f"  #{row.example} {row.section}: {row.prompt} {row.decoding} {row.mode} "
          f"{row.new_tokens} tokens -> {row.speedup:.2f}× (bound {row.bound:.2f}×, {check})",
          file=sys.stderr, flush=True)


def bench(args: argparse.Namespace) -> int:
    from app.core.bench.matrix import run_bench
    from app.core.bench.report import FORMATS
    from app.ui.race.race_speedup_png import SpeedupBar, render_speedup_chart

    spec, _ = _spec(args)
    spec = replace(spec, exact=args.exact)
    settings = _settings(args)
    started = time.monotonic()
    print(f"tandem bench: {spec.label()} ({'quick' if args.quick else 'full'}), measuring "
          "verification cost, then interleaved runs...", file=sys.stderr, flush=True)
    report = run_bench(spec, settings, on_row=_progress)
    out = Path(args.out) if args.out else (
        paths.data_dir() / "bench" / time.strftime("%Y%m%d-%H%M%S"))
    out.mkdir(parents=True, exist_ok=True)
    for suffix, render in FORMATS.items():
        (out / f"bench.{suffix}").write_text(render(report), encoding="utf-8")
    bars = [SpeedupBar(f"#{r.example} {r.prompt} {r.decoding} {r.mode} {r.new_tokens}t",
                       r.speedup, r.spread or 0.0, r.bound)
            for r in report.rows if r.speedup is not None]
    chart = render_speedup_chart(out / "bench-speedup.png",
                                 f"Speculative speedup over plain decoding: {report.pair}",
                                 bars)
    print(FORMATS[args.format](report))
    failures = [r for r in report.rows if r.failed]
    print(f"wrote {out}/bench.md, bench.csv, bench.json and {chart.name}; "
          f"{time.monotonic() - started:.0f} s in all", file=sys.stderr)
    if failures:
        for row in failures:
            print(f"FAILED: #{row.example} {row.prompt} {row.mode}: {row.divergence}",
                  file=sys.stderr)
        return 1
    return 0


def tune(args: argparse.Namespace) -> int:
    from app.core.bench.calibration_prompts import calibration_prompts
    from app.core.bench.tuner import BACKENDS, auto_routes
    from app.core.bench.tuner import tune as run_tuner

    backends = [b.strip() for b in args.backends.split(",") if b.strip()] \
        if args.backends else None
    unknown = [b for b in backends or () if b not in BACKENDS]
    if unknown:
        raise InvalidSettingsError(f"Unknown backend: {', '.join(unknown)}.",
                                   f"Use one or more of {', '.join(BACKENDS)}.")
    spec, pair_id = _spec(args)

    def report(trial: Any) -> None:
        acc = "—" if trial.acceptance is None else f"{trial.acceptance * 100:.0f}%"
        print(f"  {trial.label:16} {trial.speedup:.2f}× (slowest round "
              f"{trial.slowest_round:.2f}×, acceptance {acc}"
              f"{'' if math.isinf(trial.ceiling) else f', {trial.ceiling:.2f} tokens/pass'}"
              f"{'' if trial.identical else ', TEXT DIFFERS'}"
              f"{''.join(f', tie at margin {m:.4f}' for m in trial.tie_margins)}"
              f"{''.join(f'; {c} {v:.2f}×' for c, v, _ in trial.per_class)})",
              flush=True)

    print(f"tandem tune: {spec.label()} on {spec.device} / draft "
          f"{spec.resolved_draft_device}", flush=True)
    k_values = _ints(args.k, "--k") if args.k else list(range(1, args.max_k + 1))
    if not 1 <= args.max_k <= MAX_K:
        raise InvalidSettingsError(f"--max-k is {args.max_k}.", f"Use 1 to {MAX_K}.")
    thresholds = _floats(args.thresholds, "--thresholds") if args.thresholds is not None \
        else (0.3, 0.5, 0.7)
    if not 1 <= args.per_class <= 2:
        raise InvalidSettingsError(f"--per-class is {args.per_class}.",
                                   "Use 1 or 2 calibration prompts per prompt class.")
    result = run_tuner(spec, pair_id, k_values=k_values, thresholds=thresholds,
                       prompts=calibration_prompts(args.per_class),
                       new_tokens=args.max_new_tokens, repeats=args.repeats, on_trial=report,
                       backends=backends)
    for figure in result.plain:
        print(f"  plain {figure.option.label}: {figure.tokens_per_s:.1f} tok/s "
              f"({figure.option.folder})")
    print(f"choice: {result.choice.describe()}")
    if not result.choice.speculative:
        print("This pair will run plain in auto mode: speculation did not pay off here.")
    elif routes := auto_routes(result.choice, spec.target, spec.draft):
        from app.core.engine.routed_session import pipeline_count

        count = pipeline_count(replace(spec, routes=routes))
        print(f"Auto mode loads {count} pipelines ({count} copies of the target in memory) "
              "and routes each prompt by its class.")
    return 0


def _numbers(text: str, flag: str, parse: Callable[[str], float], kind: str,
             fits: Callable[[list[float]], bool], need: str, example: str) -> list[Any]:
    """A comma-separated list of `kind` for `flag`, refused with an example when a value does
    not parse or the list does not fit."""
    try:
        values = [parse(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise InvalidSettingsError(f"{flag} {text!r} is not a list of {kind}.",
                                   f"Write it like {flag} {example}.") from None
    if not fits(values):
        raise InvalidSettingsError(f"{flag} {text!r} needs {need}.",
                                   f"Write it like {flag} {example}.")
    return values


def _ints(text: str, flag: str) -> list[int]:
    return _numbers(text, flag, int, "whole numbers",
                    lambda v: bool(v) and min(v) >= 1 and max(v) <= MAX_K,
                    f"numbers from 1 to {MAX_K}", "2,3,4")


def _floats(text: str, flag: str) -> list[float]:
    return _numbers(text, flag, float, "numbers", lambda v: all(0 < x < 1 for x in v),
                    "thresholds between 0 and 1", "0.3,0.5 (or '' for none)")


def _pair_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--target", help="target model folder (OpenVINO IR) instead of a pair")
    p.add_argument("--draft", help="draft model folder (with --target)")
    p.add_argument("--name", help="a name for --target/--draft (the tuner stores by it)")
    p.add_argument("--device", default="CPU", help="device for the target (default CPU)")
    p.add_argument("--draft-device", help="device for the draft (default: the target's)")


def register(sub: Any) -> None:
    p = sub.add_parser("bench", help="benchmark plain against speculative decoding")
    p.add_argument("--pair", help="a ready pair (default: the demo pair)")
    _pair_args(p)
    p.add_argument("--exact", action="store_true", help="both sides compute in f32 (see "
                   "`tandem generate --help`)")
    p.add_argument("--quick", action="store_true", help="a short matrix (minutes)")
    p.add_argument("--format", choices=("md", "csv", "json"), default="md",
                   help="what to print (all three are written to --out)")
    p.add_argument("--out", help="folder for bench.md/.csv/.json and the PNG chart")
    p.add_argument("--prompts", help="comma-separated prompt names")
    p.add_argument("--new-tokens", help="comma-separated new-token counts, e.g. 32,128")
    p.add_argument("--repeats", type=int, help="timed rounds per case")
    p.add_argument("--k", type=int, help="K for the main matrix")
    p.add_argument("--k-sweep", help="comma-separated K values to sweep ('' for none)")
    p.add_argument("--confidence-sweep", help="comma-separated thresholds ('' for none)")
    p.add_argument("--greedy-only", action="store_true", help="leave sampling out")
    p.set_defaults(handler=bench)
    t = sub.add_parser("tune", help="find the fastest K or threshold for a pair, or plain")
    t.add_argument("pair", nargs="?", default="demo", help="a ready pair (default: demo)")
    _pair_args(t)
    t.add_argument("--max-k", type=int, default=8, help="try K from 1 to this (default 8)")
    t.add_argument("--k", help="comma-separated K values to try instead, e.g. 3,4,5")
    t.add_argument("--thresholds", help="comma-separated confidence thresholds for the "
                   "backends with a draft, the hybrid's too (default 0.3,0.5,0.7; '' for "
                   "none)")
    t.add_argument("--per-class", type=int, default=2, help="calibration prompts per prompt "
                   "class: code, edit, summary, chat (1 or 2, default 2)")
    t.add_argument("--max-new-tokens", type=int, default=64)
    t.add_argument("--repeats", type=int, default=2)
    t.add_argument("--backends", help="comma-separated: draft (GenAI), universal (Tandem's "
                   "own loop), prompt_lookup, hybrid (lookup and draft on Tandem's loop); "
                   "default: the pair's own")
    t.set_defaults(handler=tune)
