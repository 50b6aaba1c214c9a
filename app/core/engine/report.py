"""RunStats as a table a person can read (the CLI's output after a run)."""

from __future__ import annotations

from app.core.engine.types import RunStats


def _fmt(value: object, unit: str = "", digits: int = 1) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.{digits}f}{unit}"
    return f"{value}{unit}"


def stats_rows(stats: RunStats) -> list[tuple[str, str]]:
    rows = [
        ("mode", stats.mode + (f" (K={stats.num_assistant_tokens})"
                               if stats.num_assistant_tokens else "")
         + (f" (confidence {stats.confidence_threshold})"
            if stats.confidence_threshold is not None else "")),
        ("device", stats.device + (f" / draft {stats.draft_device}" if stats.draft_device
                                   else "")),
        ("load time", _fmt(stats.load_time_s, " s", 2)),
        ("input tokens", _fmt(stats.input_tokens)),
        ("generated tokens", _fmt(stats.generated_tokens)),
        ("TTFT", _fmt(stats.ttft_ms, " ms")),
        ("TPOT", _fmt(stats.tpot_ms, " ms", 2)),
        ("throughput", _fmt(stats.throughput_tps, " tok/s")),
        ("wall time", _fmt(stats.wall_time_s, " s", 3)),
        ("target steps", _fmt(stats.target_steps)),
        ("tokens per step", _fmt(stats.block_efficiency, "", 2)),
    ]
    if stats.mode != "plain":
        rows += [
            ("drafted tokens", _fmt(stats.drafted_tokens)),
            ("accepted tokens", _fmt(stats.accepted_tokens)),
            ("rejected tokens", _fmt(stats.rejected_tokens)),
            ("acceptance rate", "—" if stats.acceptance_rate is None
             else f"{stats.acceptance_rate * 100:.1f}%"),
            *([("acceptance from", stats.acceptance_source)] if stats.acceptance_source
              else []),
            ("accepted per step", ", ".join(f"{k}:{v}" for k, v in
                                            stats.accepted_histogram.items()) or "—"),
            ("draft / target time", f"{_fmt(stats.draft_time_ms, ' ms')} / "
                                    f"{_fmt(stats.target_time_ms, ' ms')}"),
        ]
    rows.append(("finish reason", stats.finish_reason))
    return rows


def format_stats(stats: RunStats) -> str:
    rows = stats_rows(stats)
    width = max(len(k) for k, _ in rows)
    return "\n".join(f"  {k.ljust(width)}  {v}" for k, v in rows)
