"""A BenchReport as Markdown, CSV or JSON."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

from app import paths
from app.core.bench.matrix import BenchReport
from app.core.bench.rows import BenchRow

COLUMNS: tuple[tuple[str, str], ...] = (
    ("#", "example"), ("section", "section"), ("prompt", "prompt"),
    ("prompt length", "prompt_tokens"), ("new tokens", "new_tokens"),
    ("decoding", "decoding"), ("mode", "mode"), ("total time s", "total_time_s"),
    ("prefill ms", "prefill_ms"), ("time per token ms", "tpot_ms"),
    ("tokens/s", "tokens_per_s"), ("acceptance", "acceptance"),
    ("block efficiency", "block_efficiency"), ("speedup", "speedup"),
    ("bound", "bound"), ("speedup / bound", "efficiency"),
    ("pipeline bound", "pipeline_bound"), ("same text", "identical"),
)


def _cell(row: BenchRow, attr: str) -> str:
    value = getattr(row, attr)
    if value is None:
        return "—"
    if attr == "speedup":
        spread = f" ±{row.spread:.2f}" if row.spread else ""
        return f"{value:.2f}×{spread}"
    if attr == "identical":
        if value:
            return "✓ identical"
        return ("≈ " if not row.failed else "✗ ") + (row.identity or "DIFFERENT") + \
            (f": {row.divergence}" if row.divergence else "")
    if attr == "acceptance":
        return f"{value * 100:.0f}%"
    if attr in ("bound", "pipeline_bound"):
        return f"{value:.2f}×"
    if attr == "efficiency":
        return f"{value * 100:.0f}%"
    if isinstance(value, float):
        digits = 3 if attr == "total_time_s" else (2 if value < 10 else 1)
        return f"{value:.{digits}f}"
    return str(value)


def shown_path(path: str) -> str:
    """A model folder as a report shows it: relative to the project (or the model store),
    else its last two parts; never the absolute path of the machine that ran it."""
    if not path or path == "None":
        return path
    folder = Path(path)
    for base, prefix in ((paths.bundle_root(), ""), (paths.models_dir(), "<models>/")):
        try:
            return prefix + folder.resolve().relative_to(base.resolve()).as_posix()
        except ValueError:
            continue
    return "/".join(folder.parts[-2:]) if folder.is_absolute() else folder.as_posix()


def to_markdown(report: BenchReport) -> str:
    costs = report.costs
    target, draft = shown_path(report.target), shown_path(report.draft)
    lines = [
        f"## Tandem bench: {report.pair}",
        "",
        f"- target `{target}` on {report.device}; draft `{draft}` on "
        f"{report.draft_device}",
        f"- one-token forward: target {costs.target_ms:.2f} ms, draft {costs.draft_ms:.2f} "
        f"ms, c = {costs.c:.3f}",
        "- verification cost v(n): " + ", ".join(
            f"v({n})={v:.2f}" for n, v in sorted({1: 1.0, **costs.verify.ratios}.items())),
        f"- {report.settings.repeats} timed rounds per case after {report.settings.warmup} "
        f"warm-up, plain and speculative interleaved; medians; speedup ± standard deviation "
        f"of the per-round ratios; {report.elapsed_s:.0f} s in all",
        "- bound = tokens per step / (K·c + v(K+1)) with the raw-runtime costs above; "
        "pipeline bound uses the step times GenAI reports inside the run",
        "",
        "| " + " | ".join(h for h, _ in COLUMNS) + " |",
        "|" + "|".join("---" for _ in COLUMNS) + "|",
    ]
    for row in report.rows:
        lines.append("| " + " | ".join(_cell(row, a) for _, a in COLUMNS) + " |")
    if report.notes:
        lines += ["", *(f"- note: {n}" for n in report.notes)]
    return "\n".join(lines) + "\n"


def to_csv(report: BenchReport) -> str:
    buffer = io.StringIO()
    fields = [*BenchRow.__dataclass_fields__, "speedup_over_bound"]
    writer = csv.DictWriter(buffer, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    for row in report.rows:
        writer.writerow(row.to_dict())
    return buffer.getvalue()


def to_json(report: BenchReport) -> str:
    data: dict[str, Any] = {
        "pair": report.pair, "target": shown_path(report.target),
        "draft": shown_path(report.draft),
        "device": report.device, "draft_device": report.draft_device,
        "settings": asdict(report.settings), "costs": report.costs.to_dict(),
        "elapsed_s": report.elapsed_s, "notes": report.notes,
        "rows": [r.to_dict() for r in report.rows],
    }
    return json.dumps(data, indent=2, ensure_ascii=False)


FORMATS = {"md": to_markdown, "csv": to_csv, "json": to_json}
