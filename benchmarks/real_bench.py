"""The real-pair benchmark (issue 11): Qwen2.5-Coder-1.5B target, 0.5B same-family draft,
prompt lookup, on the store built by `benchmarks.real_dequantize`.

    python -m benchmarks.real_bench bench --home DIR        # sweep + TTFT + CB, then report
    python -m benchmarks.real_bench report                   # redraw MD/PNG from the CSVs

Steps (each writes a CSV into --out, default benchmarks/results/real/):
- sweep: per prompt, plain int4 and plain int8 target (the best plain is the faster),
  then each speculative setting, then plain int4 again; identity against plain int4 with
  the target's own top-2 margin at any divergence (app/core/bench/tie_margin.py).
- costs: c and v(n) from the raw runtime (app/core/bench/costs.py).
- ttft: first vs second answer after a load, with and without the load-time warm-up.
- cb: GenAI's continuous-batching path against the stateful one, with threads and hints.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from app.core.bench.runner import check_tie
from app.core.bench.tie_margin import TargetProbe, TieCheck, identity_label
from app.core.engine import GenerationRequest, Mode, PairSpec, load_session
from app.core.engine.session import Session
from app.core.store.manifest import read_manifest
from benchmarks.real_prompts import Prompt, all_prompts

OUT = Path(__file__).parent / "results" / "real"
SWEEP_FIELDS = ("prompt", "kind", "setting", "backend", "draft", "k", "new_tokens",
                "plain_int4_s_per_token", "plain_int8_s_per_token", "s_per_token",
                "speedup_vs_best_plain", "speedup_vs_int4_plain", "acceptance",
                "tokens_per_step", "identity", "margin")


def find_models(home: Path) -> dict[str, Path]:
    """{"target-int4": folder, "draft-int8": folder, ...} from the store's manifests."""
    found: dict[str, Path] = {}
    for folder in sorted(p.parent for p in (home / "models").glob("*/*/tandem-manifest.json")):
        manifest = read_manifest(folder)
        if manifest is None:
            continue
        source = json.dumps(manifest.source)
        role = "target" if "1.5b" in source else "draft" if "0.5b" in source else \
            "smollm2" if "smollm2" in source.lower() else None
        if role:
            found[f"{role}-{manifest.weights}"] = folder
    return found


@dataclass(frozen=True)
class Setting:
    name: str
    backend: Mode
    draft: str  # "int8", "int4" or "" (prompt lookup)
    k: int
    kinds: tuple[str, ...] = ("code", "chat", "edit", "summary")


AUTO = "Auto (tandem tune)"


def auto_setting(home: Path) -> Setting:
    """Auto as the window runs it: the tuner's stored choice for the int4-draft pair
    (`real_bench tune`), routed by prompt class when the tuner said so."""
    from app.core.bench.tuner import stored_choice

    os.environ["TANDEM_HOME"] = str(home)
    choice = stored_choice("qwen-1.5b-int4-0.5b-int4")
    if choice is None:
        raise SystemExit("run `python -m benchmarks.real_bench tune` first")
    if choice.mode == "hybrid" or choice.confidence is not None:
        raise SystemExit(f"this sweep runs Auto at a fixed K on one backend, and the stored "
                         f"choice is {choice.describe()}: run Auto with "
                         "`python -m benchmarks.strategy_bench run --suite full` instead")
    mode = Mode(choice.mode) if choice.mode != Mode.PLAIN.value else Mode.PLAIN
    return Setting(AUTO, mode, "int4", choice.k or 0, ("code", "chat", "edit", "summary"))


def settings(ks: list[int], models: dict[str, Path], int4_ks: list[int],
             loop_ks: list[int] | None = None) -> list[Setting]:
    found = [Setting(f"GenAI draft int8 K={k}", Mode.DRAFT, "int8", k) for k in ks]
    if "draft-int4" in models:
        found += [Setting(f"GenAI draft int4 K={k}", Mode.DRAFT, "int4", k) for k in int4_ks]
        # The loop on the same int4 draft at the same K: speedup against the bound per K.
        found += [Setting(f"Tandem loop draft int4 K={k}", Mode.UNIVERSAL, "int4", k)
                  for k in loop_ks or []]
    found.append(Setting("Tandem loop draft int8 K=3", Mode.UNIVERSAL, "int8", 3))
    if "smollm2-int8" in models:  # another tokenizer: only Tandem's loop can run it
        found.append(Setting("Tandem loop SmolLM2-135M int8 K=2", Mode.UNIVERSAL,
                             "smollm2-int8", 2))
    found.append(Setting("prompt lookup K=3", Mode.PROMPT_LOOKUP, "", 3,
                         ("edit", "summary", "code")))
    return found


def _spec(models: dict[str, Path], setting: Setting) -> PairSpec:
    target = models["target-int4"]
    if setting.name == AUTO:
        from app.core.bench.tuner import auto_routes, stored_choice

        choice = stored_choice("qwen-1.5b-int4-0.5b-int4")
        draft = models["draft-int4"] if setting.backend in (Mode.DRAFT, Mode.UNIVERSAL) \
            else None
        return PairSpec(target, draft, mode=setting.backend, name=AUTO,
                        routes=auto_routes(choice, target, models["draft-int4"]))
    if setting.backend is Mode.PROMPT_LOOKUP:
        return PairSpec(target, None, mode=Mode.PROMPT_LOOKUP, name=setting.name)
    draft = models[setting.draft if "-" in setting.draft else f"draft-{setting.draft}"]
    return PairSpec(target, draft, mode=setting.backend, name=setting.name)


def interleave(prompts: list[Prompt]) -> list[Prompt]:
    """One prompt of each class in turn, so a sweep cut short still covers every class."""
    by_kind: dict[str, list[Prompt]] = {}
    for prompt in prompts:
        by_kind.setdefault(prompt.kind, []).append(prompt)
    rounds = max((len(v) for v in by_kind.values()), default=0)
    return [group[i] for i in range(rounds) for group in by_kind.values() if i < len(group)]


def _cost(session: Session, request: GenerationRequest) -> tuple[float, Any]:
    result = session.generate(request)
    return result.stats.wall_time_s / max(1, result.stats.generated_tokens), result


def _judge(plain: Session, request: GenerationRequest, reference: Any, result: Any,
           probe: TargetProbe | None) -> TieCheck | None:
    """The tie rule at the first divergence of `result` from plain's `reference` (None
    when identical)."""
    if tuple(result.token_ids) == tuple(reference.token_ids) or probe is None:
        return None
    index = next((i for i, (x, y) in enumerate(
        zip(reference.token_ids, result.token_ids, strict=False)) if x != y),
        min(len(reference.token_ids), len(result.token_ids)))
    return check_tie(plain, request, reference.token_ids, result.token_ids, index, probe)


def recheck(models: dict[str, Path], out: Path, name: str, new_tokens: int) -> None:
    """Answer again every sweep row judged DIFFERENT (with its setting and plain int4),
    and judge the divergence with the current tie rule; the CSV is rewritten."""
    path = out / f"{name}.csv"
    with path.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    todo = [r for r in rows if r["identity"].startswith("DIFFERENT")]
    prompts = {p.name: p for p in all_prompts(20, 10)}
    known = {s.name: s for s in settings(list(range(1, 9)), models, list(range(1, 9)))}
    plain4 = load_session(PairSpec(models["target-int4"], name="plain int4"))
    probe = TargetProbe(models["target-int4"])
    sessions: dict[tuple[Mode, str], Session] = {}
    for row in todo:
        setting = known[row["setting"]]
        key = (setting.backend, setting.draft)
        if key not in sessions:
            sessions[key] = load_session(_spec(models, setting))
        base = GenerationRequest.chat(prompts[row["prompt"]].text, max_new_tokens=new_tokens)
        reference = plain4.generate(base)
        result = sessions[key].generate(replace(
            base, num_assistant_tokens=setting.k, max_ngram_size=3
            if setting.backend is Mode.PROMPT_LOOKUP else None))
        tie = _judge(plain4, base, reference, result, probe)
        diverged = tuple(result.token_ids) != tuple(reference.token_ids)
        before = row["identity"]
        row["identity"] = identity_label(tie, diverged)
        row["margin"] = tie.distance if tie else ""
        print(f"{row['prompt']} {row['setting']}: {before} -> {row['identity']}"
              + (f" ({tie.describe()})" if tie else ""), flush=True)
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=SWEEP_FIELDS)
        writer.writeheader()
        writer.writerows(rows)


def sweep(models: dict[str, Path], prompts: list[Prompt], ks: list[int], new_tokens: int,
          out: Path, name: str = "sweep", int4_ks: list[int] | None = None,
          only: list[Setting] | None = None, loop_ks: list[int] | None = None) -> None:
    plain4 = load_session(PairSpec(models["target-int4"], name="plain int4"))
    plain8 = load_session(PairSpec(models["target-int8"], name="plain int8")) \
        if "target-int8" in models else None
    chosen = only or settings(ks, models, int4_ks or [2, 3, 4], loop_ks)
    # K is a per-request setting: one session per backend and draft serves every K.
    sessions: dict[tuple[Mode, str], Session] = {}
    for setting in chosen:
        key = (setting.backend, setting.draft)
        if key not in sessions:
            sessions[key] = load_session(_spec(models, setting))
    probe: TargetProbe | None = None  # loaded at the first divergence
    path = out / f"{name}.csv"
    new = not path.exists()
    with path.open("a", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=SWEEP_FIELDS)
        if new:
            writer.writeheader()
        for prompt in prompts:
            started = time.monotonic()
            base = GenerationRequest.chat(prompt.text, max_new_tokens=new_tokens)
            a1, reference = _cost(plain4, base)
            p8 = _cost(plain8, base)[0] if plain8 else float("nan")
            runs = []
            for setting in chosen:
                if prompt.kind not in setting.kinds:
                    continue
                request = replace(base, num_assistant_tokens=setting.k,
                                  max_ngram_size=3 if setting.backend is Mode.PROMPT_LOOKUP
                                  else None)
                runs.append((setting, *_cost(sessions[(setting.backend, setting.draft)],
                                             request)))
            a2 = _cost(plain4, base)[0]
            p4 = (a1 + a2) / 2
            best = min(p4, p8) if p8 == p8 else p4
            for setting, cost, result in runs:
                stats = result.stats
                diverged = tuple(result.token_ids) != tuple(reference.token_ids)
                if diverged:
                    probe = probe or TargetProbe(models["target-int4"])
                tie = _judge(plain4, base, reference, result, probe)
                steps = max(1, stats.target_steps - 1)
                writer.writerow({
                    "prompt": prompt.name, "kind": prompt.kind, "setting": setting.name,
                    "backend": setting.backend.value, "draft": setting.draft, "k": setting.k,
                    "new_tokens": stats.generated_tokens, "plain_int4_s_per_token": p4,
                    "plain_int8_s_per_token": p8, "s_per_token": cost,
                    "speedup_vs_best_plain": best / cost, "speedup_vs_int4_plain": p4 / cost,
                    "acceptance": stats.acceptance_rate if stats.acceptance_rate is not None
                    else "", "tokens_per_step": (stats.generated_tokens - 1) / steps,
                    "identity": identity_label(tie, diverged),
                    "margin": tie.distance if tie else ""})
            f.flush()
            print(f"{prompt.name}: plain int4 {1 / p4:.1f} tok/s, int8 {1 / p8:.1f}; "
                  + ", ".join(f"{s.name} {p4 / c:.2f}×" for s, c, _ in runs)
                  + f" ({time.monotonic() - started:.0f} s)", flush=True)


def costs(models: dict[str, Path], out: Path) -> None:
    from app.core.bench.costs import measure_pair_costs

    data = {}
    for draft in ("int8", "int4"):
        if f"draft-{draft}" in models:
            measured = measure_pair_costs(PairSpec(models["target-int4"],
                                                   models[f"draft-{draft}"]), repeats=5)
            data[f"target int4, draft {draft}"] = measured.to_dict()
            print(f"costs, draft {draft}: {measured.to_dict()}", flush=True)
    if "target-int8" in models:
        from app.core.bench.verify_cost import measure_verify_cost

        v8 = measure_verify_cost(models["target-int8"], repeats=5)
        data["target int8"] = {"target_ms": v8.single_token_ms,
                               "v": {str(n): v for n, v in sorted(v8.ratios.items())}}
    (out / "costs.json").write_text(json.dumps(data, indent=2), encoding="utf-8")


def ttft_once(target: Path, warm: bool) -> dict[str, float]:
    """Load, then answer two different prompts; the TTFT of each (one process per call)."""
    from app.core.engine.genai_session import GenAISession

    if not warm:
        GenAISession._warm_up = lambda self: None  # type: ignore[method-assign,assignment,return-value]
    started = time.monotonic()
    session = load_session(PairSpec(target))
    load = time.monotonic() - started
    ttfts = [session.generate(GenerationRequest.chat(text, max_new_tokens=8)).stats.ttft_ms
             for text in ("Write a Python function that reverses a linked list, with a short "
                          "docstring and type hints.",
                          "Explain in two sentences what a hash map is and when to use one.")]
    return {"load_s": load, "warmup_s": getattr(session, "warmup_s", None) or 0.0,
            "first_ttft_ms": ttfts[0], "second_ttft_ms": ttfts[1]}


def ttft(models: dict[str, Path], out: Path, rounds: int = 2) -> None:
    rows = []
    for round_ in range(rounds):
        for warm in (False, True):
            command = [sys.executable, "-m", "benchmarks.real_bench", "ttft-once",
                       str(models["target-int4"])] + ([] if warm else ["--cold"])
            line = subprocess.run(command, check=True, capture_output=True, text=True,
                                  env=os.environ).stdout.strip().splitlines()[-1]
            row = {"round": round_, "warm_up": warm, **json.loads(line)}
            print(row, flush=True)
            rows.append(row)
    _write(out / "ttft.csv", rows)


def _write(path: Path, rows: list[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def _cb_configs(models: dict[str, Path]) -> Iterator[tuple[str, dict[str, Any]]]:
    import openvino_genai as g

    def sched(**fields: Any) -> Any:
        config = g.SchedulerConfig()
        config.cache_size = 1  # GB
        config.enable_prefix_caching = False
        for key, value in fields.items():
            setattr(config, key, value)
        return config

    def draft(**props: Any) -> Any:
        # Looked up when the configuration loads: the draft may finish converting later.
        folder = find_models(models["target-int4"].parents[2])["draft-int8"]
        return g.draft_model(str(folder), "CPU", **props)

    lat = {"INFERENCE_NUM_THREADS": 2, "PERFORMANCE_HINT": "LATENCY"}
    # Most telling first: a slow machine may not get through the whole list.
    yield "draft int8 K=3 (PA)", {"draft_model": draft}
    yield "plain, default backend", {}
    yield "draft int8 K=3, 2 threads + LATENCY", {
        "draft_model": lambda: draft(**lat), **lat}
    yield "plain, PA, 2 threads + LATENCY", {"ATTENTION_BACKEND": "PA", **lat}
    yield "draft int8 K=3, KV cache f16", {
        "draft_model": lambda: draft(KV_CACHE_PRECISION="f16"),
        "KV_CACHE_PRECISION": "f16"}
    yield "plain, PA, KV cache f16", {"ATTENTION_BACKEND": "PA", "KV_CACHE_PRECISION": "f16"}
    yield "plain, PA, scheduler_config (1 GB, no prefix cache)", {
        "ATTENTION_BACKEND": "PA", "scheduler_config": sched()}
    yield "plain, PA, no dynamic split-fuse", {
        "ATTENTION_BACKEND": "PA", "scheduler_config": sched(dynamic_split_fuse=False)}


def cb(models: dict[str, Path], out: Path, new_tokens: int = 32, rounds: int = 1) -> None:
    """Each configuration against the stateful (SDPA) plain pipeline, loaded one at a time
    beside it, alternating, decode time per token (TPOT) medians."""
    import openvino_genai as g

    prompt = "Write a Python function that returns the n-th Fibonacci number iteratively."
    target = str(models["target-int4"])
    baseline = g.LLMPipeline(target, "CPU", ATTENTION_BACKEND="SDPA")

    def tpot(pipe: Any, k: int | None) -> float:
        config = g.GenerationConfig()
        config.max_new_tokens = new_tokens
        config.ignore_eos = True
        if k:
            config.num_assistant_tokens = k
        return float(pipe.generate([prompt], config).perf_metrics.get_tpot().mean)

    rows = []
    for name, kwargs in _cb_configs(models):
        try:
            pipe = g.LLMPipeline(target, "CPU", **{k: (v() if callable(v) else v)
                                                   for k, v in kwargs.items()})
        except RuntimeError as exc:
            print(f"{name}: failed to load: {str(exc).splitlines()[0]}", flush=True)
            continue
        k = 3 if "draft" in name else None
        base: list[float] = []
        mine: list[float] = []
        for round_ in range(-1, rounds):
            a, b = tpot(baseline, None), tpot(pipe, k)
            if round_ >= 0:
                base.append(a)
                mine.append(b)
        del pipe
        row = {"configuration": name, "tpot_ms": round(statistics.median(mine), 1),
               "stateful_plain_tpot_ms": round(statistics.median(base), 1),
               "vs_stateful_plain": round(statistics.median(base) / statistics.median(mine),
                                          3)}
        print(row, flush=True)
        rows.append(row)
    _write(out / "cb.csv", rows)


def tune(home: Path, pair: str, out: Path, max_k: int, backends: str) -> None:
    """`tandem tune` on a real pair (TANDEM_HOME=home); its output to tune.txt and its
    stored choice to tune.json, which the report maps onto the sweep's settings."""
    env = {**os.environ, "TANDEM_HOME": str(home)}
    command = [sys.executable, "-m", "app", "tune", pair, "--max-k", str(max_k),
               "--backends", backends]
    done = subprocess.run(command, capture_output=True, text=True, env=env)
    print(done.stdout, done.stderr, sep="\n", flush=True)
    done.check_returncode()
    (out / "tune.txt").write_text("$ tandem tune " + " ".join(command[4:]) + "\n"
                                  + done.stdout, encoding="utf-8")
    from app.core.bench.tuner import stored_choice

    os.environ["TANDEM_HOME"] = str(home)
    choice = stored_choice(pair)
    pair_file = json.loads((home / "models" / "pairs" / f"{pair}.json").read_text("utf-8"))
    draft_weights = pair_file["draft"].split("/")[-1].split("-")[0]
    (out / "tune.json").write_text(json.dumps({
        "pair": pair, "draft_weights": draft_weights,
        "choice": choice.to_dict() if choice else None}, indent=2), encoding="utf-8")


def _ks(text: str) -> list[int]:
    """"1,2,3" as [1, 2, 3]; "" as none."""
    return [int(k) for k in text.split(",") if k.strip()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.real_bench")
    sub = parser.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("bench", help="every step, then the report")
    b.add_argument("--home", type=Path, required=True, help="TANDEM_HOME of real_dequantize")
    b.add_argument("--out", type=Path, default=OUT)
    b.add_argument("--code", type=int, default=20, help="HumanEval prompts (first N)")
    b.add_argument("--chat", type=int, default=10, help="chat prompts")
    b.add_argument("--k", default="1,2,3,4,5,6,7,8", help="K values for the int8 draft")
    b.add_argument("--new-tokens", type=int, default=64)
    b.add_argument("--int4-k", default="2,3,4", help="K values for the int4 draft")
    b.add_argument("--loop-k", default="",
                   help="K values for Tandem's loop on the int4 draft ('' for none)")
    b.add_argument("--auto", action="store_true",
                   help="sweep only Auto (the stored tune choice), into sweep-auto.csv")
    b.add_argument("--kinds", default="code,chat,edit,summary",
                   help="prompt classes to sweep (to split the sweep over processes)")
    b.add_argument("--steps", default="costs,ttft,cb,sweep",
                   help="which steps to run (comma-separated)")
    rc = sub.add_parser("recheck", help="judge the sweep's DIFFERENT rows again")
    rc.add_argument("--home", type=Path, required=True)
    rc.add_argument("--out", type=Path, default=OUT)
    rc.add_argument("--name", default="sweep-chat-code-edit-summary")
    rc.add_argument("--new-tokens", type=int, default=64)
    once = sub.add_parser("ttft-once")
    once.add_argument("target", type=Path)
    once.add_argument("--cold", action="store_true")
    t = sub.add_parser("tune", help="tandem tune on a real pair, for the report")
    t.add_argument("--home", type=Path, required=True)
    t.add_argument("--pair", default="qwen-1.5b-int4-0.5b-int4")
    t.add_argument("--max-k", type=int, default=8)
    t.add_argument("--backends", default="draft,prompt_lookup")
    t.add_argument("--out", type=Path, default=OUT)
    r = sub.add_parser("report", help="Markdown and PNG from the CSVs")
    r.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    if args.cmd == "ttft-once":
        print(json.dumps(ttft_once(args.target, not args.cold)))
        return 0
    from benchmarks.real_report import write_report

    if args.cmd == "recheck":
        recheck(find_models(args.home), args.out, args.name, args.new_tokens)
    if args.cmd == "tune":
        tune(args.home, args.pair, args.out, args.max_k, args.backends)
    if args.cmd == "bench":
        args.out.mkdir(parents=True, exist_ok=True)
        models = find_models(args.home)
        print(f"models: {', '.join(sorted(models))}", flush=True)
        steps = args.steps.split(",")
        if "costs" in steps:
            costs(models, args.out)
        if "ttft" in steps:
            ttft(models, args.out)
        if "cb" in steps:
            cb(models, args.out)
        if "sweep" in steps:
            kinds = set(args.kinds.split(","))
            sweep(models, interleave([p for p in all_prompts(args.code, args.chat)
                                      if p.kind in kinds]),
                  _ks(args.k), args.new_tokens, args.out,
                  "sweep-auto" if args.auto else "sweep-" + "-".join(sorted(kinds)),
                  _ks(args.int4_k), [auto_setting(args.home)] if args.auto else None,
                  _ks(args.loop_k))
    write_report(args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
