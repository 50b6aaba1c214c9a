"""Bench reports never carry the absolute paths of the machine that ran them."""

from __future__ import annotations

import json

from app import paths
from app.core.bench.bound import VerifyCost
from app.core.bench.costs import PairCosts
from app.core.bench.matrix import BenchReport, BenchSettings
from app.core.bench.report import shown_path, to_json, to_markdown
from tests.conftest import ROOT


def _report(target: str, draft: str) -> BenchReport:
    return BenchReport(pair="demo", target=target, draft=draft, device="CPU",
                       draft_device="CPU", settings=BenchSettings(prompts=("p",),
                                                                   new_tokens=(8,)),
                       costs=PairCosts(VerifyCost({2: 1.1}), 2.0, 0.5))


def test_paths_are_shown_relative_to_the_project_or_the_store(tandem_home):
    assert shown_path(str(ROOT / "resources" / "demo" / "target")) == "resources/demo/target"
    stored = paths.models_dir() / "qwen3-8b" / "target"
    assert shown_path(str(stored)) == "<models>/qwen3-8b/target"
    assert shown_path("/somewhere/else/qwen/draft") == "qwen/draft"
    assert shown_path("relative/folder") == "relative/folder"


def test_markdown_and_json_hold_no_absolute_path():
    report = _report(str(ROOT / "resources" / "demo" / "target"), "/home/someone/m/draft")
    markdown, data = to_markdown(report), json.loads(to_json(report))
    assert "- target `resources/demo/target` on CPU; draft `m/draft` on CPU" in markdown
    assert str(ROOT) not in markdown and "/home/someone" not in markdown
    assert (data["target"], data["draft"]) == ("resources/demo/target", "m/draft")


def test_the_committed_demo_results_hold_no_absolute_path():
    text = (ROOT / "benchmarks" / "results" / "demo-quick" / "bench.md").read_text("utf-8")
    assert "`/" not in text and ":\\\\" not in text
