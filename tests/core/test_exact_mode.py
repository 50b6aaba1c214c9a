"""Exact mode (issue 20 section 4): every model of a pair computes in f32, whatever the
device's default, and the option reaches the runtime from the spec, the settings and the CLI.

The demo pair's folders already ask for f32 (tandem-runtime.json), so these tests ask for
bf16 through the caller's properties and check that Exact wins, on the real CPU runtime.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from app.core.engine import Mode, PairSpec, load_session
from app.core.engine.precision import (
    KV_CACHE_PRECISION,
    PRECISION_HINT,
    default_precision,
    describe_precision,
    effective_precision,
)
from app.core.engine.universal.runner import StatefulModel
from app.core.settings import GenerationSettings

BF16 = {PRECISION_HINT: "bf16"}


def test_exact_overrides_the_callers_precision_and_counts_in_equality(demo_dir: Path) -> None:
    spec = PairSpec(demo_dir / "target", properties=dict(BF16))
    exact = replace(spec, exact=True)
    assert spec.load_properties() == BF16
    # The KV cache too: the speculative pipeline's paged cache must hold what plain's does.
    assert exact.load_properties() == {PRECISION_HINT: "f32", KV_CACHE_PRECISION: "f16"}
    # Another arithmetic is another load: the window reloads when Exact is toggled.
    assert exact != spec


def test_the_runtime_computes_in_f32_when_exact(demo_dir: Path) -> None:
    target = demo_dir / "target"
    if default_precision("CPU") != "bf16":
        pytest.skip("this CPU has no bf16 units: bf16 and f32 are the same arithmetic")
    spec = PairSpec(target, properties=dict(BF16))
    asked = StatefulModel(target, "CPU", spec.load_properties(), "target")
    assert asked.precision == "bf16"
    exact = StatefulModel(target, "CPU", replace(spec, exact=True).load_properties(), "target")
    assert exact.precision == "f32"
    assert effective_precision(target, "CPU", replace(spec, exact=True).load_properties()) \
        == "f32"
    assert effective_precision(target, "CPU", spec.load_properties()) == "bf16"


def test_exact_fixes_the_kv_cache_precision(demo_dir: Path) -> None:
    # The CPU's paged cache (GenAI's speculative pipeline) defaults to u8; Exact's models
    # cache in f16, as plain's stateful ones do, whatever the caller asked for.
    target = demo_dir / "target"
    spec = PairSpec(target, properties={KV_CACHE_PRECISION: "u8"})
    asked = StatefulModel(target, "CPU", spec.load_properties(), "target")
    assert asked.kv_cache_precision == "u8"
    exact = StatefulModel(target, "CPU", replace(spec, exact=True).load_properties(), "target")
    assert exact.kv_cache_precision == "f16"


def test_device_defaults_are_read_from_openvino() -> None:
    assert default_precision("CPU") in {"f32", "bf16", "f16"}
    assert default_precision("NO_SUCH_DEVICE") == ""
    assert describe_precision("CPU", exact=True) == "f32 (Exact)"
    assert describe_precision("NO_SUCH_DEVICE", exact=False) == "NO_SUCH_DEVICE default"


def test_settings_carry_exact_into_the_spec_and_back(demo_dir: Path) -> None:
    settings = GenerationSettings(exact=True)
    spec = settings.pair_spec(demo_dir / "target", demo_dir / "draft", "CPU", None, "demo")
    assert spec.exact and spec.resolved_mode is Mode.DRAFT
    assert GenerationSettings.from_dict(settings.to_dict()).exact
    assert not GenerationSettings.from_dict({}).exact  # settings saved before Exact existed
    with pytest.raises(ValueError):
        GenerationSettings.from_dict({"exact": "yes"})


def test_exact_greedy_speculative_equals_plain(demo_dir: Path) -> None:
    from app.core.engine import GenerationRequest

    request = GenerationRequest.chat("Tell me about a token.", max_new_tokens=24,
                                     num_assistant_tokens=3)
    texts = {}
    for mode in (Mode.PLAIN, Mode.DRAFT):
        draft = demo_dir / "draft" if mode is Mode.DRAFT else None
        session = load_session(PairSpec(demo_dir / "target", draft, mode=mode, exact=True,
                                        properties=dict(BF16)))
        try:
            result = session.generate(request)
        finally:
            session.close()
        texts[mode] = result.text
        assert result.stats.mode == mode.value
    assert texts[Mode.PLAIN] == texts[Mode.DRAFT] and texts[Mode.PLAIN]


def test_cli_exact_reports_the_arithmetic(capsys: pytest.CaptureFixture[str]) -> None:
    from app.cli import main

    assert main(["generate", "--json", "--exact", "--max-new-tokens", "16", "Hi."]) == 0
    exact = json.loads(capsys.readouterr().out)
    assert exact["exact"] is True and exact["precision"] == "f32"
    assert main(["generate", "--json", "--max-new-tokens", "16", "Hi."]) == 0
    default = json.loads(capsys.readouterr().out)
    # The demo folders pin f32 themselves, so the text is the same either way.
    assert default["exact"] is False and default["precision"] == "f32"
    assert default["text"] == exact["text"]
