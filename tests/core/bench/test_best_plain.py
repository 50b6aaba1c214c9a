"""The best-plain baseline: speedups count against the target's fastest plain format, and
the tuner keeps plain in that format (and says so) when nothing beats it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from app.core.bench.best_plain import (
    PlainOption,
    fastest,
    measure_plain,
    sibling_formats,
)
from app.core.bench.tuner import TunedChoice, auto_target, calibrate
from app.core.engine import Mode, PairSpec
from app.core.settings import GenerationSettings, RunMode
from app.core.store.manifest import write_manifest

SOURCE = {"kind": "local", "path": "demo"}


@pytest.fixture(scope="module")
def formats(demo_dir: Path, never_accepted_draft: Path,
            tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    # Two "formats" of one model in a store folder: the demo target ("int8") and, standing
    # in for a faster format of it, the much smaller draft model behind the same tokenizer
    # ("int4"); a third folder holds another model (another source).
    models = tmp_path_factory.mktemp("models")
    found = {}
    for name, folder, source in (("int8", demo_dir / "target", SOURCE),
                                 ("int4", never_accepted_draft, SOURCE),
                                 ("other", demo_dir / "draft", {"kind": "local", "path": "x"})):
        copy = models / f"demo-{name}"
        shutil.copytree(folder, copy)
        write_manifest(copy, source=source, weights=name, converted=True)
        found[name] = copy
    return found


def test_sibling_formats_finds_the_same_model_in_other_formats(formats, demo_dir):
    options = sibling_formats(formats["int8"])
    assert [(o.label, o.folder) for o in options] == [("int8", formats["int8"]),
                                                      ("int4", formats["int4"])]
    # A folder without a manifest is its own only option.
    assert [o.label for o in sibling_formats(demo_dir / "target")] == ["target"]


def test_each_format_is_timed_and_the_fastest_kept(formats):
    figures = measure_plain([PlainOption("int8", formats["int8"]),
                             PlainOption("int4", formats["int4"])],
                            ["Tell me about speculative decoding."], new_tokens=24, repeats=1)
    assert [f.option.label for f in figures] == ["int8", "int4"]
    assert all(f.seconds_per_token > 0 for f in figures)
    assert all(f.tokens_per_s == pytest.approx(1 / f.seconds_per_token) for f in figures)
    assert fastest(figures).seconds_per_token == min(f.seconds_per_token for f in figures)


def test_the_tuner_measures_against_the_fastest_plain_format(formats, demo_dir):
    spec = PairSpec(formats["int8"], demo_dir / "draft", name="demo")
    alone = calibrate(spec, "demo", k_values=(2,), thresholds=(), new_tokens=24, repeats=1,
                      plain_options=[PlainOption("int8", formats["int8"])])
    assert alone.plain == [] and alone.scale == 1.0 and alone.choice.plain_weights == ""
    # margin=100: plain is kept whatever the timings, so the choice names the baseline.
    result = calibrate(spec, "demo", k_values=(2,), thresholds=(), new_tokens=24, repeats=1,
                       margin=100.0)
    assert [f.option.label for f in result.plain] == ["int8", "int4"]
    best = fastest(result.plain)
    own = result.plain[0]
    # Speedups are scaled from the target's own plain to the fastest plain format.
    assert result.scale == pytest.approx(best.seconds_per_token / own.seconds_per_token)
    assert result.scale <= 1.0
    choice = result.choice
    assert choice.mode == "plain" and choice.plain_weights == best.option.label
    assert choice.plain_target == str(best.option.folder)
    assert choice.plain_tokens_per_s == pytest.approx(best.tokens_per_s)
    assert choice.describe().startswith(
        f"on this PC, plain {best.option.label} is fastest for this pair")
    # Auto mode then runs plain in that folder.
    assert auto_target(choice, formats["int8"], False) == (best.option.folder, False)


def test_auto_runs_the_chosen_backend():
    lookup = TunedChoice("p", "CPU", "CPU", Mode.PROMPT_LOOKUP.value, k=4, speedup=1.2,
                         best_trial="prompt lookup K=4", best_trial_speedup=1.2,
                         plain_weights="int4")
    settings = GenerationSettings(mode=RunMode.AUTO).tuned(lookup.mode, lookup.k, None)
    assert (settings.mode, settings.k) == (RunMode.PROMPT_LOOKUP, 4)
    assert lookup.describe() == "prompt lookup K=4: 1.20× faster than plain int4"
    loop = TunedChoice("p", "CPU", "CPU", Mode.UNIVERSAL.value, k=2, speedup=1.1)
    assert auto_target(loop, Path("t"), False) == (Path("t"), True)
    assert loop.uses_draft and loop.speculative
    # A plain choice whose folder is gone runs the pair's own target.
    gone = TunedChoice("p", "CPU", "CPU", "plain", plain_target="/nonexistent/int4")
    assert auto_target(gone, Path("t"), False) == (Path("t"), False)
