"""Settings side by side on the real pair, in one process, interleaved (issue 20).

    python -m benchmarks.strategy_bench run --suite exact --home DIR [--code 10 --chat 6]
    python -m benchmarks.strategy_bench run --suite hybrid --home DIR [--rounds 2]
    python -m benchmarks.strategy_bench run --suite full --home DIR --code 20 --rounds 3
    python -m benchmarks.strategy_bench report --suite exact    # SUITE.md / .png from .csv

Suites:
- exact: f32 (Exact mode) against the CPU's default precision (bf16 on CPUs with bf16
  units), plain and GenAI's speculative pipeline, and Tandem's loop with its token path
  and its older byte path. On a CPU without bf16 the default is f32 and only the f32
  settings run.
- hybrid: plain, GenAI's draft pipeline, GenAI's prompt lookup, Tandem's loop and its
  hybrid (prompt-lookup candidates when an n-gram of the context matches, else the draft).
- full: the hybrid suite and Auto, as the window runs it: the tuner's stored choice for
  the int4-draft pair (`tandem tune qwen-1.5b-int4-0.5b-int4 --backends
  draft,universal,prompt_lookup,hybrid` with TANDEM_HOME=DIR), each prompt class on its
  own winner. The CSV's `ran` column says which route each Auto answer took.

DIR is the store `benchmarks.real_dequantize` built (Qwen2.5-Coder-1.5B int4 target, its
0.5B draft in int4 and int8). Every setting is loaded once; each round answers every prompt
with every setting in a rotated order, so drift on a shared machine hits them alike. Per
prompt the cost is the median over rounds of wall time per generated token (prefill
included); speedups are against the best plain (the fastest plain setting per prompt).
Identity is judged against plain in the same precision: identical, a tie (the target's own
top-2 margin at the first divergence is below the threshold for that precision: 0.1 in
f32, 0.5 in bf16), or different.
"""

from __future__ import annotations

import argparse
import csv
import functools
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
from app.core.engine.precision import EXACT, default_precision, exact_properties
from app.core.engine.session import Session
from benchmarks.real_bench import find_models
from benchmarks.real_prompts import Prompt, all_prompts

OUT = Path(__file__).parent / "results" / "real"
FIELDS = ("round", "prompt", "kind", "setting", "precision", "s_per_token", "new_tokens",
          "acceptance", "tokens_per_step", "loop_overhead_ms", "identity", "margin",
          "same_as_plain", "load", "ran")


@dataclass(frozen=True)
class Setting:
    name: str
    draft: str  # "" for plain, else "int4" / "int8"
    exact: bool
    # "genai" (plain without a draft), "lookup" (GenAI's prompt lookup), "loop" (Tandem's
    # loop, token ids), "loop-bytes" (its byte path), "hybrid" (lookup, else the draft) or
    # "auto" (the tuner's stored choice, see auto_plan)
    backend: str = "genai"
    reference: str = "plain f32"  # the plain setting whose text this one must equal
    back_off: bool = False  # Tandem's loop pauses a source that does not pay (Auto's way)

    @property
    def speculative(self) -> bool:
        return bool(self.draft) or self.backend == "lookup"

    def request(self, request: GenerationRequest) -> GenerationRequest:
        if self.backend == "auto":
            return auto_plan(Path(os.environ["TANDEM_HOME"])).request(request)
        if not self.speculative:
            return request
        ngram = NGRAM if self.backend in ("lookup", "hybrid") else None
        return replace(request, num_assistant_tokens=K, max_ngram_size=ngram,
                       back_off=self.back_off)


K = 3
NGRAM = 3
SUITES = ("exact", "hybrid", "full")
BF16_ONLY = (
    Setting("plain default", "", False, reference="plain default"),
    Setting("GenAI draft int4 K=3, default", "int4", False, reference="plain default"),
    Setting("GenAI draft int8 K=3, default", "int8", False, reference="plain default"),
)
ALWAYS = (
    Setting("plain f32", "", True),
    Setting("GenAI draft int4 K=3, f32", "int4", True),
    Setting("GenAI draft int8 K=3, f32", "int8", True),
    Setting("Tandem loop draft int4 K=3, f32", "int4", True, "loop"),
    Setting("Tandem loop draft int4 K=3, f32, byte path", "int4", True, "loop-bytes"),
)


HYBRID_BACKING_OFF = "Tandem hybrid K=3, backing off"
PAIR_ID = "qwen-1.5b-int4-0.5b-int4"
AUTO_NAME = "Auto (tuned)"


@dataclass(frozen=True)
class AutoPlan:
    """What the window's Auto mode loads and asks for, from the stored choice."""
    spec: PairSpec
    settings: Any  # GenerationSettings, resolved by the choice
    described: str

    def request(self, request: GenerationRequest) -> GenerationRequest:
        """The request the window would send for these messages, at the run's length."""
        settings = replace(self.settings, max_new_tokens=request.max_new_tokens)
        return settings.request(request.messages, self.spec.resolved_mode)


@functools.cache
def auto_plan(home: Path) -> AutoPlan:
    """Auto for the int4-draft pair as ControlsController.wanted_spec and run_settings
    build it, from the same core functions (settings.tuned, auto_target, auto_routes); the
    pair here is same-tokenizer, so `universal` starts False, and no model cache."""
    from app.core.bench.tuner import auto_routes, auto_target, stored_choice
    from app.core.settings import GenerationSettings, RunMode

    os.environ["TANDEM_HOME"] = str(home)
    choice = stored_choice(PAIR_ID)
    if choice is None:
        raise SystemExit(f"no stored choice: run TANDEM_HOME={home} tandem tune {PAIR_ID} "
                         "--backends draft,universal,prompt_lookup,hybrid first")
    models = find_models(home)
    wanted = GenerationSettings(mode=RunMode.AUTO, k=K, max_new_tokens=10_000)
    tuned = wanted.tuned(choice.mode, choice.k, choice.confidence)
    target, universal = auto_target(choice, models["target-int4"], False)
    spec = tuned.pair_spec(target, models["draft-int4"], "CPU", None, AUTO_NAME, universal)
    routes = auto_routes(choice, models["target-int4"], models["draft-int4"])
    return AutoPlan(replace(spec, routes=routes),
                    tuned, choice.describe())


LLAMA_PLAIN = "llama.cpp plain"
LLAMA_DRAFT = f"llama.cpp draft-max {K}"


def settings_for(suite: str, default: str, llama: bool = False) -> tuple[Setting, ...]:
    """The suite's settings. "exact": f32 against the default precision, without the
    default-precision runs where the default is f32 already (a CPU without bf16 units:
    they would be the same runs twice). "hybrid": the drafting strategies, in the default
    precision."""
    if suite in ("hybrid", "full"):
        exact = default == EXACT
        strategies = [
            ("plain", "", "genai"),
            ("GenAI draft int4 K=3", "int4", "genai"),
            ("GenAI prompt lookup K=3", "", "lookup"),
            ("Tandem loop draft int4 K=3", "int4", "loop"),
            ("Tandem hybrid: lookup (grows), else draft int4, K=3", "int4", "hybrid")]
        if suite == "full":
            strategies.append((AUTO_NAME, "int4", "auto"))
        found = [Setting(name, draft, exact, backend, "plain")
                 for name, draft, backend in strategies]
        found.append(Setting(HYBRID_BACKING_OFF, "int4", exact, "hybrid", "plain", True))
        if suite == "full" and llama:  # the same GGUFs on llama-server (llama_cpp_side.py)
            found += [Setting(LLAMA_PLAIN, "", exact, "llama", LLAMA_PLAIN),
                      Setting(LLAMA_DRAFT, "gguf", exact, "llama", LLAMA_PLAIN)]
        return tuple(found)
    return ALWAYS if default == EXACT else BF16_ONLY[:1] + ALWAYS + BF16_ONLY[1:]


def _spec(models: dict[str, Path], setting: Setting) -> PairSpec:
    draft = models[f"draft-{setting.draft}"] if setting.draft else None
    mode = Mode.PROMPT_LOOKUP if setting.backend == "lookup" else Mode.PLAIN \
        if draft is None else Mode.DRAFT if setting.backend == "genai" else Mode.UNIVERSAL
    return PairSpec(models["target-int4"], draft, mode=mode, name=setting.name,
                    exact=setting.exact)


def _load(models: dict[str, Path], setting: Setting) -> Any:
    if setting.backend == "llama":
        from benchmarks.llama_cpp_side import LlamaSide

        return LlamaSide(K if setting.draft else None)
    if setting.backend == "auto":
        plan = auto_plan(Path(os.environ["TANDEM_HOME"]))
        print(f"Auto: {plan.described}", flush=True)
        return load_session(plan.spec)
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


def run(suite: str, home: Path, prompts: list[Prompt], rounds: int, new_tokens: int,
        out: Path, llama: bool = False, only: tuple[str, ...] = ()) -> None:
    os.environ["TANDEM_HOME"] = str(home)  # Auto reads the tuner's choice from this store
    models = find_models(home)
    default = default_precision("CPU")
    load1 = os.getloadavg()[0]
    chosen = settings_for(suite, default, llama)
    if only:  # a subset, with the references the kept settings are judged against
        wanted = set(only) | {s.reference for s in chosen if s.name in only}
        chosen = tuple(s for s in chosen if s.name in wanted)
    sessions = {s.name: _load(models, s) for s in chosen}
    if suite == "full":  # what Auto ran, for the report
        from app.core.engine.routed_session import pipeline_count

        plan = auto_plan(home)
        (out / "full-auto.txt").write_text(
            f"{plan.described} ({pipeline_count(plan.spec)} pipelines loaded)\n",
            encoding="utf-8")
    probes = {False: TargetProbe(models["target-int4"]),
              True: TargetProbe(models["target-int4"], properties=exact_properties(True))}
    print(f"loaded {len(sessions)} settings; default precision {default}; "
          f"probes {probes[False].model.precision} / {probes[True].model.precision}; "
          f"load average {load1:.2f}", flush=True)
    path = out / f"{suite}.csv"
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
                    results[setting.name] = sessions[setting.name].generate(
                        setting.request(request))
                for setting in chosen:
                    result = results[setting.name]
                    stats = result.stats
                    identity, margin = ("", "")
                    reference = results[setting.reference]
                    if setting.backend == "llama":  # text against llama.cpp's own plain
                        identity = "" if not setting.speculative else "identical" \
                            if result.text == reference.text else "DIFFERENT text (not probed)"
                    elif setting.speculative:
                        identity, margin = _judge(sessions[setting.reference], request,
                                                  results[setting.reference], result,
                                                  probes[setting.exact])
                    same = result.text == reference.text if setting.backend == "llama" else \
                        tuple(result.token_ids) == tuple(results[chosen[0].reference].token_ids)
                    writer.writerow({
                        "round": round_, "prompt": prompt.name, "kind": prompt.kind,
                        "setting": setting.name,
                        "precision": EXACT if setting.exact else default,
                        "s_per_token": stats.wall_time_s / max(1, stats.generated_tokens),
                        "new_tokens": stats.generated_tokens,
                        "acceptance": "" if stats.acceptance_rate is None
                        else f"{stats.acceptance_rate:.3f}",
                        "tokens_per_step": "" if not setting.speculative
                        else f"{stats.block_efficiency:.3f}",
                        "loop_overhead_ms": f"{result.library['loop_overhead_ms']:.3f}"
                        if "loop_overhead_ms" in result.library else "",
                        "identity": identity, "margin": margin,
                        "same_as_plain": same, "load": f"{os.getloadavg()[0]:.2f}",
                        # what ran: for Auto, the route its prompt class took
                        "ran": f"{stats.mode} K={stats.num_assistant_tokens}"
                        if stats.num_assistant_tokens else stats.mode})
                f.flush()
                plain = results[chosen[0].reference].stats
                rate = plain.generated_tokens / plain.wall_time_s
                print(f"round {round_} {prompt.name}: plain {rate:.1f} tok/s "
                      f"({time.monotonic() - started:.0f} s)", flush=True)
    notes = [s.note for s in sessions.values() if getattr(s, "note", "")]
    peers = out / "full-peers.txt"  # how llama.cpp had to be run, if not as asked
    if notes:
        peers.write_text("; ".join(notes) + "\n", encoding="utf-8")
    else:
        peers.unlink(missing_ok=True)
    for session in sessions.values():
        session.close()
    print(f"load average: {load1:.2f} at the start, {os.getloadavg()[0]:.2f} at the end",
          flush=True)


def _geomean(values: list[float]) -> float:
    return math.exp(statistics.fmean(math.log(v) for v in values)) if values else float("nan")


def _mean_of(rows: list[dict[str, str]], field: str) -> float | str:
    values = [float(row[field]) for row in rows if row.get(field)]
    return round(statistics.fmean(values), 3) if values else ""


def _default_of(rows: list[dict[str, str]]) -> str:
    """The CPU's default precision in a run: what its default-precision plain ran in."""
    return next((r["precision"] for r in rows if r["setting"] in ("plain default", "plain")),
                EXACT)


def summarise(rows: list[dict[str, str]], suite: str) -> list[dict[str, Any]]:
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
    ran = {r["setting"] for r in rows}  # a run with --only has some of the suite
    chosen = tuple(s for s in settings_for(suite, _default_of(rows), LLAMA_PLAIN in ran)
                   if s.name in ran)
    plains = [s.name for s in chosen if not s.speculative]
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
                "identical": sum(lab == "identical" for lab in labels)
                if setting.speculative else "",
                "ties": sum(lab.startswith("tie") for lab in labels) if setting.speculative else "",
                "different": sum(lab.startswith("DIFFERENT") for lab in labels)
                if setting.speculative else "",
                "same_text_as_plain": sum(first[(p, setting.name)]["same_as_plain"]
                                              == "True" for p in names),
                # Auto's routes for this class (what its answers ran on)
                "ran": " / ".join(sorted({first[(p, setting.name)].get("ran") or "?"
                                          for p in names})) if setting.backend == "auto"
                else ""})
    return found


TITLES = {
    "exact": "Exact mode and Tandem's loop on the real pair: f32 against {where}",
    "hybrid": "Drafting strategies on the real pair: GenAI's draft and prompt lookup, "
              "Tandem's loop and its hybrid ({default})",
    "full": "Every strategy and Auto on the real pair: GenAI's draft and prompt lookup, "
            "Tandem's loop, its hybrid, and Auto ({default})",
}


def _auto_line(out: Path, suite: str) -> str:
    """What Auto ran in a full-suite run (the tuner's choice, recorded by `_load`)."""
    recorded = out / "full-auto.txt"
    if suite != "full" or not recorded.exists():
        return ""
    line = f" Auto ran the tuner's stored choice: {recorded.read_text(encoding='utf-8').strip()}."
    peers = out / "full-peers.txt"
    if peers.exists():
        line += f" llama.cpp: {peers.read_text(encoding='utf-8').strip()}."
    return line


def report(suite: str, out: Path) -> None:
    with (out / f"{suite}.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    summary = summarise(rows, suite)
    rounds = len({r["round"] for r in rows})
    default = _default_of(rows)
    header = list(summary[0])
    where = (f"this CPU's default ({default})" if default != EXACT else
             "nothing: this CPU has no bf16 units, so its default is f32 and the "
             "default-precision settings are the f32 ones")
    load = [r["load"] for r in rows if r.get("load")]
    lines = [f"# {TITLES[suite].format(where=where, default=default)}", "",
             f"Generated by `python -m benchmarks.strategy_bench run --suite {suite}` (see "
             "benchmarks/README.md). "
             f"Qwen2.5-Coder-1.5B-Instruct int4 target, its 0.5B draft, K={K}, greedy, "
             f"{rounds} interleaved rounds, medians per prompt; speedups are geometric "
             "means over the prompts against the best plain (the fastest plain setting, "
             "per prompt). Identity: against plain in the same "
             "precision, divergences judged by the target's own top-2 margin in that "
             "precision. same_text_as_plain: answers whose tokens equal the first plain "
             "setting's. tokens_per_step: tokens per target pass; loop_overhead_ms: the "
             "loop's own time per step (everything but inference), median per answer."
             + (f" Load average over the run: {min(load)}–{max(load)}." if load else "")
             + _auto_line(out, suite),
             "", "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(s[h]) for h in header) + " |" for s in summary]
    (out / f"{suite}.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with (out / f"{suite}-summary.csv").open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=header)
        writer.writeheader()
        writer.writerows(summary)
    from app.ui.race.race_speedup_png import SpeedupBar, render_speedup_chart

    bars = [SpeedupBar(f"{s['kind']}: {s['setting']}", s["speedup_vs_best_plain"])
            for s in summary if not s["setting"].startswith("plain")]
    render_speedup_chart(out / f"{suite}.png", "Speedup over the best plain, "
                         f"Qwen2.5-Coder-1.5B int4 + 0.5B, K={K}, 2 cores "
                         f"(CPU default {default})", bars)
    print((out / f"{suite}.md").read_text(encoding="utf-8"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.strategy_bench")
    sub = parser.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("--suite", choices=SUITES, default="exact")
    r.add_argument("--home", type=Path, required=True)
    r.add_argument("--code", type=int, default=10)
    r.add_argument("--chat", type=int, default=10)
    r.add_argument("--rounds", type=int, default=2)
    r.add_argument("--new-tokens", type=int, default=64)
    r.add_argument("--out", type=Path, default=OUT)
    r.add_argument("--llama-cpp", action="store_true",
                   help="full suite: add llama-server plain and draft-max K on the same "
                        "GGUFs (build it first: python -m benchmarks.llama_cpp_peer build)")
    r.add_argument("--only", action="append", default=[],
                   help="run only this setting (repeatable; its plain reference is kept)")
    p = sub.add_parser("report")
    p.add_argument("--suite", choices=SUITES, default="exact")
    p.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    if args.cmd == "run":
        from benchmarks.real_bench import interleave

        prompts = interleave(all_prompts(args.code, args.chat))
        run(args.suite, args.home, prompts, args.rounds, args.new_tokens, args.out,
            args.llama_cpp, tuple(args.only))
    report(args.suite, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
