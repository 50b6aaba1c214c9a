"""The real-pair report: results.md, summary.csv and speedup.png from the benchmark CSVs."""

from __future__ import annotations

import csv
import json
import math
import statistics
from collections import defaultdict
from pathlib import Path
from typing import Any

from app.core.bench.bound import VerifyCost, speedup_from_tokens_per_step
from app.core.bench.tie_margin import TIE_MARGINS
from app.core.bench.tuner import MARGIN
from app.core.engine.prompt_class import LEGACY_CLASS

TIE_SUMMARY = ", ".join(f"{v} in {k}" for k, v in TIE_MARGINS.items())

KINDS = ("code", "chat", "edit", "summary")


def _read(path: Path) -> list[dict[str, str]]:
    if not path.exists():
        return []
    with path.open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _geomean(values: list[float]) -> float:
    return math.exp(statistics.fmean(math.log(v) for v in values)) if values else 0.0


def _costs(out: Path) -> dict[str, Any]:
    path = out / "costs.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def _bound(row_draft: str, backend: str, k: float, tau: float,
           costs: dict[str, Any]) -> tuple[float | None, float | None, float | None]:
    """(c, v(K+1), refined bound) for a row's setting; prompt lookup drafts for free."""
    key = f"target int4, draft {row_draft or 'int8'}"
    if key not in costs:
        return None, None, None
    c = costs[key]["c"] if backend != "prompt_lookup" else 0.0
    verify = VerifyCost({int(n): float(v) for n, v in costs[key]["v"].items()})
    v = verify(k + 1)
    return c, v, speedup_from_tokens_per_step(tau, k, c, v)


def summarise(rows: list[dict[str, str]], costs: dict[str, Any]) -> list[dict[str, Any]]:
    groups: dict[tuple[str, str], list[dict[str, str]]] = defaultdict(list)
    for row in rows:
        groups[(row["setting"], row["kind"])].append(row)
    summary = []
    for (setting, kind), items in groups.items():
        speedups = [float(r["speedup_vs_best_plain"]) for r in items]
        taus = [float(r["tokens_per_step"]) for r in items]
        accs = [float(r["acceptance"]) for r in items if r["acceptance"]]
        first = items[0]
        tau = statistics.fmean(taus)
        c, v, bound = _bound(first["draft"], first["backend"], float(first["k"]), tau, costs)
        ties = [float(r["margin"]) for r in items if r["identity"].startswith("tie")]
        different = [r for r in items if r["identity"].startswith("DIFFERENT")]
        speedup = _geomean(speedups)
        summary.append({
            "setting": setting, "kind": kind, "prompts": len(items),
            "speedup_vs_best_plain": round(speedup, 3),
            "spread": round(statistics.stdev(speedups), 3) if len(speedups) > 1 else 0.0,
            "slowest": round(min(speedups), 3),
            "acceptance": round(statistics.fmean(accs), 3) if accs else "",
            "tokens_per_step": round(tau, 2), "c": round(c, 3) if c is not None else "",
            "v_k_plus_1": round(v, 2) if v is not None else "",
            "bound": round(bound, 3) if bound else "",
            "speedup_over_bound": round(speedup / bound, 2) if bound else "",
            "identical": sum(r["identity"] == "identical" for r in items),
            "ties": len(ties), "tie_margins": " ".join(f"{m:.4f}" for m in ties),
            "different": len(different)})
    return sorted(summary, key=lambda s: (KINDS.index(s["kind"]) if s["kind"] in KINDS else 9,
                                          s["setting"]))


def auto_choice(summary: list[dict[str, Any]], kind: str) -> dict[str, Any] | None:
    """The tuner's rule on the sweep's figures: the fastest setting that keeps the text
    (ties allowed), beats the best plain by MARGIN and was never slower on a prompt."""
    valid = [s for s in summary if s["kind"] == kind and s["different"] == 0
             and s["speedup_vs_best_plain"] > MARGIN and s["slowest"] > 1.0]
    return max(valid, key=lambda s: s["speedup_vs_best_plain"]) if valid else None


# The sweep's classes as the router of the sweep's time saw them: tune.json was stored
# before "edit" and "summary" were classes of their own (prompt_class.LEGACY_CLASS).
ROUTE_CLASS = LEGACY_CLASS


def tuned_setting(tuned: dict[str, Any] | None, kind: str) -> str | None:
    """The sweep setting that `tandem tune`'s stored choice runs for this class (None: plain
    in the best format)."""
    choice = (tuned or {}).get("choice")
    if not choice or choice["mode"] == "plain":
        return None
    own = next((c for c in choice.get("class_choices") or () if c["prompt_class"] == kind),
               None)
    if own is not None:  # a choice with a winner per class (tuner.ClassChoice)
        if own["mode"] == "plain":
            return None
        choice = {**choice, "mode": own["mode"], "k": own["k"],
                  "confidence": own["confidence"]}
    elif ROUTE_CLASS.get(kind) in choice.get("plain_classes", ()):
        return None
    if choice["mode"] == "hybrid":
        return f"Tandem hybrid K={choice['k']}"
    if choice["mode"] == "prompt_lookup":
        return f"prompt lookup K={choice['k']}"
    if choice["mode"] == "universal":
        return f"Tandem loop draft {tuned['draft_weights']} K={choice['k']}"  # type: ignore[index]
    if choice.get("confidence") is not None:
        return f"GenAI draft {tuned['draft_weights']} confidence {choice['confidence']}"  # type: ignore[index]
    return f"GenAI draft {tuned['draft_weights']} K={choice['k']}"  # type: ignore[index]


def _table(rows: list[dict[str, Any]]) -> list[str]:
    if not rows:
        return ["(not measured)"]
    keys = list(rows[0])
    return ["| " + " | ".join(keys) + " |", "|" + "---|" * len(keys),
            *("| " + " | ".join(str(r[k]) for k in keys) + " |" for r in rows)]


def write_report(out: Path) -> None:
    rows = [row for path in sorted(out.glob("sweep-*.csv")) for row in _read(path)]
    costs = _costs(out)
    summary = summarise(rows, costs)
    if summary:
        with (out / "summary.csv").open("w", encoding="utf-8", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=list(summary[0]))
            writer.writeheader()
            writer.writerows(summary)
    lines = ["# Real pair: Qwen2.5-Coder-1.5B-Instruct (target) on this CPU", "",
             "Generated by `python -m benchmarks.real_bench` (see benchmarks/README.md).", ""]
    caveat = out / "caveat.md"  # conditions of the run, written by whoever recorded it
    if caveat.exists():
        lines += [caveat.read_text(encoding="utf-8").strip(), ""]
    tuned_path = out / "tune.json"
    tuned = json.loads(tuned_path.read_text(encoding="utf-8")) if tuned_path.exists() else None
    lines += ["## Best plain against Auto, per prompt class", "",
              "auto (tandem tune): what the tuner's stored choice runs for that class "
              "(tune.txt), with the sweep's speedup for that setting; plain means plain "
              "int4, the best plain format. best per class (hindsight): the tuner's rule "
              f"(identical text or ties, > {MARGIN}× and never slower on a prompt) applied "
              "to the sweep itself.", ""]
    per_class = []
    for kind in KINDS:
        items = [r for r in rows if r["kind"] == kind]
        if not items:
            continue
        by_prompt = {r["prompt"]: r for r in items}.values()
        p4 = _geomean([1 / float(r["plain_int4_s_per_token"]) for r in by_prompt])
        p8s = [float(r["plain_int8_s_per_token"]) for r in by_prompt]
        p8 = _geomean([1 / x for x in p8s if x == x]) if all(x == x for x in p8s) else 0.0
        settings = [s for s in summary if s["setting"] != "Auto (tandem tune)"]
        choice = auto_choice(settings, kind)
        best = max((s for s in settings if s["kind"] == kind),
                   key=lambda s: s["speedup_vs_best_plain"])
        measured = next((s for s in summary if s["kind"] == kind
                         and s["setting"] == "Auto (tandem tune)"), None)
        setting = "Auto (tandem tune)" if measured else tuned_setting(tuned, kind)
        auto = measured or next((s for s in summary if s["kind"] == kind
                                 and s["setting"] == setting), None)
        auto_speedup = (f"{auto['speedup_vs_best_plain']:.2f}× (slowest "
                        f"{auto['slowest']:.2f}×)" if auto else
                        "not in the sweep" if setting else
                        f"{_geomean([min(float(r['plain_int4_s_per_token']), float(r['plain_int8_s_per_token'])) / float(r['plain_int4_s_per_token']) for r in by_prompt]):.2f}×")  # noqa: E501
        per_class.append({
            "class": kind, "prompts": len(by_prompt), "plain int4 tok/s": round(p4, 2),
            "plain int8 tok/s": round(p8, 2) if p8 else "—",
            "best plain": "int4" if p4 >= p8 else "int8",
            "auto (tandem tune)": (setting or "plain int4") if tuned else "(not tuned)",
            "auto vs best plain": auto_speedup if tuned else "",
            "best per class (hindsight)": choice["setting"] if choice else "plain",
            "its speedup": f"{choice['speedup_vs_best_plain']:.2f}×" if choice
            else "1.00×",
            "best speculative setting": f"{best['setting']} "
                                        f"({best['speedup_vs_best_plain']:.2f}×)"})
    lines += [*_table(per_class), ""]
    lines += ["## Every setting, per prompt class (speedup against the best plain)", "",
              "Speedup: geometric mean over the prompts of (best plain s/token) / "
              "(setting s/token), end-to-end wall time; spread: standard deviation over "
              "prompts; slowest: the worst prompt. bound = tokens per step / (K·c + "
              "v(K+1)) with c and v(n) from the raw runtime (costs below). identity: "
              "tokens equal to plain int4's; ties: first divergence at a top-2 logit "
              f"margin below the threshold for the target's precision ({TIE_SUMMARY}; "
              "margins listed); different: a real difference.", ""]
    lines += [*_table(summary), ""]
    lines += ["## Costs (raw OpenVINO runtime, one-token forwards)", "", "```",
              json.dumps(costs, indent=1), "```", ""]
    for name, title in (("ttft", "First answer after a load (TTFT, ms)"),
                        ("cb", "GenAI's continuous-batching path vs the stateful pipeline")):
        lines += [f"## {title}", "", *_table(_read(out / f"{name}.csv")), ""]
    (out / "results.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    if summary:
        _chart(out / "speedup.png", summary)


def _chart(path: Path, summary: list[dict[str, Any]]) -> None:
    from app.ui.race.race_speedup_png import SpeedupBar, render_speedup_chart

    bars = [SpeedupBar(f"{s['kind']}: {s['setting']}", s["speedup_vs_best_plain"],
                       s["spread"], s["bound"] or None) for s in summary]
    render_speedup_chart(path, "Qwen2.5-Coder-1.5B int4 on 2 CPU cores: speedup over the "
                         "best plain (bar), refined bound (marker)", bars)
