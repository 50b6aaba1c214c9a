"""Exact mode on the real pair (issue 20 section 4): f32 against the CPU's default (bf16 on
this machine) for plain and speculative decoding, in one process, interleaved.

    python -m benchmarks.exact_bench run --home DIR [--code 10 --chat 10 --rounds 2]
    python -m benchmarks.exact_bench report             # exact.md / exact.png from exact.csv

DIR is the store `benchmarks.real_dequantize` built (Qwen2.5-Coder-1.5B int4 target, its
0.5B draft in int4 and int8). Every setting is loaded once; each round answers every prompt
with every setting in a rotated order, so drift on a shared machine hits them alike. Per
prompt the cost is the median over rounds of wall time per generated token; speedups are
against the best plain (the faster of plain in the default precision and plain in f32,
per prompt). Identity is judged in each precision against plain in the same precision:
identical, a tie (the target's own top-2 margin at the first divergence is below the
threshold for that precision: 0.1 in f32, 0.5 in bf16), or different.
"""

from __future__ import annotations

import argparse
import csv
import math
import os
import statistics
import time
from collections import defaultdict
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from app.core.bench.runner import check_tie
from app.core.bench.tie_margin import TargetProbe, TieCheck, identity_label
from app.core.engine import GenerationRequest, Mode, PairSpec, load_session
from app.core.engine.precision import EXACT, PRECISION_HINT, default_precision
from app.core.engine.session import Session
from benchmarks.real_bench import find_models
from benchmarks.real_prompts import Prompt, all_prompts

OUT = Path(__file__).parent / "results" / "real"
FIELDS = ("round", "prompt", "kind", "setting", "precision", "s_per_token", "new_tokens",
          "acceptance", "tokens_per_step", "loop_overhead_ms", "identity", "margin",
          "same_as_f32_plain")


@dataclass(frozen=True)
class Setting:
    name: str
    draft: str  # "" for plain, else "int4" / "int8"
    exact: bool
    backend: str = "genai"  # "genai", "loop" (token ids) or "loop-bytes" (the byte path)

    @property
    def reference(self) -> str:
        """The plain setting whose text this one must equal."""
        return "plain f32" if self.exact else "plain default"


K = 3
BF16_ONLY = (
    Setting("plain default", "", False),
    Setting("GenAI draft int4 K=3, default", "int4", False),
    Setting("GenAI draft int8 K=3, default", "int8", False),
)
ALWAYS = (
    Setting("plain f32", "", True),
    Setting("GenAI draft int4 K=3, f32", "int4", True),
    Setting("GenAI draft int8 K=3, f32", "int8", True),
    Setting("Tandem loop draft int4 K=3, f32", "int4", True, "loop"),
    Setting("Tandem loop draft int4 K=3, f32, byte path", "int4", True, "loop-bytes"),
)


def settings_for(default: str) -> tuple[Setting, ...]:
    """Every setting, without the default-precision ones where the default is f32 already
    (a CPU without bf16 units: they would be the same runs twice)."""
    return ALWAYS if default == EXACT else BF16_ONLY[:1] + ALWAYS + BF16_ONLY[1:]


def _spec(models: dict[str, Path], setting: Setting) -> PairSpec:
    draft = models[f"draft-{setting.draft}"] if setting.draft else None
    mode = Mode.PLAIN if draft is None else Mode.DRAFT if setting.backend == "genai" \
        else Mode.UNIVERSAL
    return PairSpec(models["target-int4"], draft, mode=mode, name=setting.name,
                    exact=setting.exact)


def _load(models: dict[str, Path], setting: Setting) -> Session:
    session = load_session(_spec(models, setting))
    if setting.backend == "loop-bytes":
        # The loop as it drafted before the token path: through bytes and re-encoding.
        from app.core.engine.universal.draft_side import DraftSide

        side = session.draft  # type: ignore[attr-defined]
        session.draft = DraftSide(side.model, side.vocab, side.context_length)  # type: ignore[attr-defined]
        session.shared_vocabulary = False  # type: ignore[attr-defined]
    return session


def _judge(plain: Session, request: GenerationRequest, reference: Any, result: Any,
           probe: TargetProbe) -> tuple[str, str]:
    if tuple(result.token_ids) == tuple(reference.token_ids):
        return identity_label(None, False), ""
    index = next((i for i, (x, y) in enumerate(
        zip(reference.token_ids, result.token_ids, strict=False)) if x != y),
        min(len(reference.token_ids), len(result.token_ids)))
    tie: TieCheck | None = check_tie(plain, request, reference.token_ids, result.token_ids,
                                     index, probe)
    return identity_label(tie, True), f"{tie.distance:.4f}" if tie else ""


def run(home: Path, prompts: list[Prompt], rounds: int, new_tokens: int, out: Path) -> None:
    models = find_models(home)
    default = default_precision("CPU")
    load1 = os.getloadavg()[0]
    chosen = settings_for(default)
    sessions = {s.name: _load(models, s) for s in chosen}
    probes = {False: TargetProbe(models["target-int4"]),
              True: TargetProbe(models["target-int4"], properties={PRECISION_HINT: EXACT})}
    print(f"loaded {len(sessions)} settings; default precision {default}; "
          f"probes {probes[False].model.precision} / {probes[True].model.precision}; "
          f"load average {load1:.2f}", flush=True)
    path = out / "exact.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=FIELDS)
        writer.writeheader()
        for round_ in range(rounds):
            for p_index, prompt in enumerate(prompts):
                started = time.monotonic()
                request = GenerationRequest.chat(prompt.text, max_new_tokens=new_tokens)
                shift = (round_ + p_index) % len(chosen)
                order = chosen[shift:] + chosen[:shift]
                results = {}
                for setting in order:
                    speculative = replace(request, num_assistant_tokens=K) \
                        if setting.draft else request
                    results[setting.name] = sessions[setting.name].generate(speculative)
                for setting in chosen:
                    result = results[setting.name]
                    stats = result.stats
                    identity, margin = ("", "")
                    if setting.draft:
                        identity, margin = _judge(sessions[setting.reference], request,
                                                  results[setting.reference], result,
                                                  probes[setting.exact])
                    same = tuple(result.token_ids) == tuple(results["plain f32"].token_ids)
                    writer.writerow({
                        "round": round_, "prompt": prompt.name, "kind": prompt.kind,
                        "setting": setting.name,
                        "precision": EXACT if setting.exact else default,
                        "s_per_token": stats.wall_time_s / max(1, stats.generated_tokens),
                        "new_tokens": stats.generated_tokens,
                        "acceptance": "" if stats.acceptance_rate is None
                        else f"{stats.acceptance_rate:.3f}",
                        "tokens_per_step": "" if not setting.draft
                        else f"{stats.block_efficiency:.3f}",
                        "loop_overhead_ms": f"{result.library['loop_overhead_ms']:.3f}"
                        if "loop_overhead_ms" in result.library else "",
                        "identity": identity, "margin": margin,
                        "same_as_f32_plain": same})
                f.flush()
                plain = results["plain f32"].stats
                rate = plain.generated_tokens / plain.wall_time_s
                print(f"round {round_} {prompt.name}: plain {rate:.1f} tok/s "
                      f"({time.monotonic() - started:.0f} s)", flush=True)
    for session in sessions.values():
        session.close()
    print(f"load average: {load1:.2f} at the start, {os.getloadavg()[0]:.2f} at the end",
          flush=True)


def _geomean(values: list[float]) -> float:
    return math.exp(statistics.fmean(math.log(v) for v in values)) if values else float("nan")


def _mean_of(rows: list[dict[str, str]], field: str) -> float | str:
    values = [float(row[field]) for row in rows if row.get(field)]
    return round(statistics.fmean(values), 3) if values else ""


def summarise(rows: list[dict[str, str]]) -> list[dict[str, Any]]:
    """Per class and setting: speedup over the best plain, over plain in the same precision,
    the slowest prompt, acceptance, tokens per target step and identity counts."""
    cost: dict[tuple[str, str], list[float]] = defaultdict(list)
    first: dict[tuple[str, str], dict[str, str]] = {}
    kinds: dict[str, str] = {}
    for row in rows:
        key = (row["prompt"], row["setting"])
        cost[key].append(float(row["s_per_token"]))
        first.setdefault(key, row)
        kinds[row["prompt"]] = row["kind"]
    present = {row["setting"] for row in rows}
    chosen = [s for s in BF16_ONLY[:1] + ALWAYS + BF16_ONLY[1:] if s.name in present]
    plains = [s.name for s in chosen if not s.draft]
    median = {key: statistics.median(v) for key, v in cost.items()}
    found = []
    for kind in dict.fromkeys(kinds.values()):
        names = [p for p, k in kinds.items() if k == kind]
        for setting in chosen:
            best = [min(median[(p, plain)] for plain in plains) / median[(p, setting.name)]
                    for p in names]
            same = [median[(p, setting.reference)] / median[(p, setting.name)] for p in names]
            labels = [first[(p, setting.name)]["identity"] for p in names]
            rows_of = [first[(p, setting.name)] for p in names]
            found.append({
                "kind": kind, "setting": setting.name, "prompts": len(names),
                "tok_s": round(len(names) / sum(median[(p, setting.name)] for p in names), 2),
                "speedup_vs_best_plain": round(_geomean(best), 3),
                "slowest": round(min(best), 3),
                "speedup_vs_plain_same_precision": round(_geomean(same), 3),
                "acceptance": _mean_of(rows_of, "acceptance"),
                "tokens_per_step": _mean_of(rows_of, "tokens_per_step"),
                "loop_overhead_ms": _mean_of(rows_of, "loop_overhead_ms"),
                "identical": sum(lab == "identical" for lab in labels) if setting.draft else "",
                "ties": sum(lab.startswith("tie") for lab in labels) if setting.draft else "",
                "different": sum(lab.startswith("DIFFERENT") for lab in labels)
                if setting.draft else "",
                "same_text_as_f32_plain": sum(first[(p, setting.name)]["same_as_f32_plain"]
                                              == "True" for p in names)})
    return found


def report(out: Path) -> None:
    with (out / "exact.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    summary = summarise(rows)
    rounds = len({r["round"] for r in rows})
    default = next((r["precision"] for r in rows if r["setting"] == "plain default"), EXACT)
    header = list(summary[0])
    where = (f"this CPU's default ({default})" if default != EXACT else
             "nothing: this CPU has no bf16 units, so its default is f32 and the "
             "default-precision settings are the f32 ones")
    lines = [f"# Exact mode and Tandem's loop on the real pair: f32 against {where}", "",
             "Generated by `python -m benchmarks.exact_bench` (see benchmarks/README.md). "
             f"Qwen2.5-Coder-1.5B-Instruct int4 target, its 0.5B draft, K={K}, greedy, "
             f"{rounds} interleaved rounds, medians per prompt; speedups are geometric "
             "means over the prompts against the best plain (the fastest plain setting, "
             "per prompt). Identity: against plain in the same "
             "precision, divergences judged by the target's own top-2 margin in that "
             "precision. same_text_as_f32_plain: answers whose tokens equal plain f32's. "
             "tokens_per_step: tokens per target pass; loop_overhead_ms: the loop's own "
             "time per step (everything but inference), median per answer.",
             "", "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(s[h]) for h in header) + " |" for s in summary]
    (out / "exact.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with (out / "exact-summary.csv").open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=header)
        writer.writeheader()
        writer.writerows(summary)
    from app.ui.race.race_speedup_png import SpeedupBar, render_speedup_chart

    bars = [SpeedupBar(f"{s['kind']}: {s['setting']}", s["speedup_vs_best_plain"])
            for s in summary if not s["setting"].startswith("plain")]
    render_speedup_chart(out / "exact.png", "Speedup over the best plain, Qwen2.5-Coder-1.5B "
                         f"int4 + 0.5B, K={K}, 2 cores (CPU default {default})", bars)
    print((out / "exact.md").read_text(encoding="utf-8"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.exact_bench")
    sub = parser.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("--home", type=Path, required=True)
    r.add_argument("--code", type=int, default=10)
    r.add_argument("--chat", type=int, default=10)
    r.add_argument("--rounds", type=int, default=2)
    r.add_argument("--new-tokens", type=int, default=64)
    r.add_argument("--out", type=Path, default=OUT)
    p = sub.add_parser("report")
    p.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    if args.cmd == "run":
        from benchmarks.real_bench import interleave

        prompts = interleave(all_prompts(args.code, args.chat))
        run(args.home, prompts, args.rounds, args.new_tokens, args.out)
    report(args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
