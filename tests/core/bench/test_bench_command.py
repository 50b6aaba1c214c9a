"""`tandem bench` and its reports on the demo pair, with a tiny matrix."""

from __future__ import annotations

import csv
import json

import pytest

from app.cli import main
from app.core.bench.report import COLUMNS


def test_bench_writes_markdown_csv_json_and_a_chart(tmp_path, capsys):
    out = tmp_path / "bench"
    code = main(["bench", "--quick", "--prompts", "chat-short,summary-very-long",
                 "--new-tokens", "16", "--repeats", "1", "--k-sweep", "2",
                 "--confidence-sweep", "0.5", "--greedy-only", "--out", str(out)])
    assert code == 0
    printed = capsys.readouterr().out
    header = "| " + " | ".join(h for h, _ in COLUMNS) + " |"
    assert header in printed
    assert (out / "bench.md").read_text(encoding="utf-8") in printed
    # chat-short in the matrix, K=2 and a threshold in the sweeps: plain + speculative each.
    rows = list(csv.DictReader((out / "bench.csv").open(encoding="utf-8")))
    assert [r["mode"] for r in rows] == ["plain", "K=3", "plain", "K=2", "plain", "conf 0.5"]
    assert [r["section"] for r in rows[::2]] == ["matrix", "K sweep", "confidence sweep"]
    data = json.loads((out / "bench.json").read_text(encoding="utf-8"))
    assert len(data["rows"]) == 6
    assert data["costs"]["c"] > 0 and "9" in data["costs"]["v"]
    assert any("skipped summary-very-long" in note for note in data["notes"])
    assert len([n for n in data["notes"] if "summary-very-long" in n]) == 1
    for row in data["rows"][1::2]:
        assert row["identical"] is True
        assert row["speedup"] > 0 and row["bound"] > 0
        assert row["speedup_over_bound"] == row["speedup"] / row["bound"]
        # The bound is tokens-per-step / (K c + v(K+1)) with the reported costs.
        assert row["bound"] == pytest.approx(
            row["tokens_per_step"] / (row["k"] * row["c"] + row["v"]))
        assert row["c"] == pytest.approx(data["costs"]["c"])
    png = (out / "bench-speedup.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 5_000


def test_bench_refuses_a_target_without_a_draft(tmp_path, capsys, demo_dir):
    code = main(["bench", "--target", str(demo_dir / "target"), "--out", str(tmp_path)])
    assert code == 2
    assert "--draft" in capsys.readouterr().err
