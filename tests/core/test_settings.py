"""Typed settings: round trip, defaults on first launch, a corrupt file set aside."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from app.core.engine.types import Message, Mode
from app.core.settings import (
    GenerationSettings,
    RunMode,
    Settings,
    load_settings,
    save_settings,
)


def test_first_launch_then_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    first = load_settings(path)
    assert first.first_launch and first.problem == ""
    settings = first.settings
    settings.last_pair = "demo"
    settings.tint_draft_tokens = False
    settings.generation = replace(settings.generation, mode=RunMode.PROMPT_LOOKUP, k=5,
                                  temperature=1.2, do_sample=True)
    save_settings(settings, path)
    again = load_settings(path)
    assert not again.first_launch
    assert again.settings == settings


def test_corrupt_or_mistyped_file_is_set_aside(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    for text in ("{not json", '{"generation": {"k": "three"}}', '{"last_pair": 4}'):
        path.write_text(text, encoding="utf-8")
        loaded = load_settings(path)
        assert loaded.settings == Settings()
        assert "could not be read" in loaded.problem and not path.exists()
    assert len(list(tmp_path.glob("settings.json.corrupt-*"))) == 3


def test_sampling_draws_a_seed_per_run_unless_fixed() -> None:
    msgs = (Message("user", "hi"),)
    drawn = {GenerationSettings(do_sample=True).request(msgs, Mode.PLAIN).seed
             for _ in range(5)}
    assert len(drawn) == 5 and all(isinstance(s, int) and 0 <= s < 2**31 for s in drawn)
    fixed = GenerationSettings(do_sample=True, seed=7, fix_seed=True)
    assert {fixed.request(msgs, Mode.PLAIN).seed for _ in range(3)} == {7}
    assert GenerationSettings(seed=7, fix_seed=True).request(msgs, Mode.PLAIN).seed is None
    # A settings file from before the choice existed (seed 42, always used) now samples
    # with a fresh seed each time.
    assert not GenerationSettings.from_dict({"seed": 42, "do_sample": True}).fix_seed


def test_an_unreadable_settings_file_is_not_set_aside(tmp_path: Path) -> None:
    # Issue 13 item 5: an OSError (here: a directory where the file should be) is not
    # corruption; the file is left alone and the defaults are used for this session.
    path = tmp_path / "settings.json"
    path.mkdir()
    loaded = load_settings(path)
    assert loaded.settings == Settings() and "right now" in loaded.problem
    assert path.is_dir() and not list(tmp_path.glob("settings.json.corrupt-*"))


def test_generation_settings_build_spec_and_request(demo_dir: Path) -> None:
    msgs = (Message("user", "hi"),)
    spec_k = GenerationSettings(k=4).pair_spec(demo_dir / "target", demo_dir / "draft",
                                               "CPU", None, "demo")
    assert spec_k.resolved_mode is Mode.DRAFT
    assert GenerationSettings(k=4).request(msgs, Mode.DRAFT).num_assistant_tokens == 4
    conf = GenerationSettings(mode=RunMode.SPECULATIVE_CONFIDENCE, confidence=0.3)
    req = conf.request(msgs, Mode.DRAFT)
    assert req.confidence_threshold == 0.3 and req.num_assistant_tokens is None
    plain = GenerationSettings(mode=RunMode.PLAIN)
    assert plain.pair_spec(demo_dir / "target", demo_dir / "draft", "CPU", "CPU",
                           "d").draft is None
    assert plain.request(msgs, Mode.PLAIN).num_assistant_tokens is None
    lookup = GenerationSettings(mode=RunMode.PROMPT_LOOKUP, ngram=2)
    assert lookup.pair_spec(demo_dir / "target", None, "CPU", None, "d").mode \
        is Mode.PROMPT_LOOKUP
    assert lookup.request(msgs, Mode.PROMPT_LOOKUP).max_ngram_size == 2
    universal = GenerationSettings(mode=RunMode.SPECULATIVE_CONFIDENCE).pair_spec(
        demo_dir / "target", demo_dir / "draft-othertok", "CPU", None, "u", universal=True)
    assert universal.mode is Mode.UNIVERSAL and universal.draft is not None
    assert conf.request(msgs, Mode.UNIVERSAL).confidence_threshold == 0.3
    # A pair without a draft falls back to plain for speculative modes.
    assert GenerationSettings().pair_spec(demo_dir / "target", None, "CPU", None,
                                          "d").mode is Mode.PLAIN


def test_hybrid_settings_run_the_loop_with_lookup(demo_dir: Path) -> None:
    msgs = (Message("user", "hi"),)
    hybrid = GenerationSettings(mode=RunMode.HYBRID, k=5, ngram=2)
    spec = hybrid.pair_spec(demo_dir / "target", demo_dir / "draft", "CPU", None, "demo")
    assert spec.resolved_mode is Mode.UNIVERSAL and spec.draft is not None
    request = hybrid.request(msgs, Mode.UNIVERSAL)
    assert (request.num_assistant_tokens, request.max_ngram_size) == (5, 2)
    # A pair without a draft keeps the hybrid's lookup half.
    assert hybrid.pair_spec(demo_dir / "target", None, "CPU", None, "d").mode \
        is Mode.PROMPT_LOOKUP
    # A speculative K on the loop is not a hybrid: no lookup there.
    assert GenerationSettings(k=5).request(msgs, Mode.UNIVERSAL).max_ngram_size is None
    # Auto's resolved settings back off; the request says so only where the loop runs.
    tuned = GenerationSettings().tuned("hybrid", 4, None)
    assert tuned == replace(GenerationSettings(), mode=RunMode.HYBRID, k=4, back_off=True)
    assert tuned.request(msgs, Mode.UNIVERSAL).back_off
    assert not tuned.request(msgs, Mode.DRAFT).back_off
    assert not hybrid.request(msgs, Mode.UNIVERSAL).back_off  # a chosen mode runs as chosen


def test_the_hybrid_to_confidence_sends_a_threshold_and_no_k(demo_dir: Path) -> None:
    msgs = (Message("user", "hi"),)
    hybrid = GenerationSettings(mode=RunMode.HYBRID_CONFIDENCE, k=5, confidence=0.6)
    spec = hybrid.pair_spec(demo_dir / "target", demo_dir / "draft", "CPU", None, "demo")
    assert spec.resolved_mode is Mode.UNIVERSAL and spec.draft is not None
    request = hybrid.request(msgs, Mode.UNIVERSAL)
    assert (request.num_assistant_tokens, request.confidence_threshold,
            request.max_ngram_size) == (None, 0.6, 3)
    # Without a draft only lookup is left, and lookup has no confidence: it runs at K.
    assert hybrid.pair_spec(demo_dir / "target", None, "CPU", None, "d").mode \
        is Mode.PROMPT_LOOKUP
    looked = hybrid.request(msgs, Mode.PROMPT_LOOKUP)
    assert (looked.num_assistant_tokens, looked.confidence_threshold) == (5, None)
    # A tuned hybrid with a threshold comes back as this mode; saved and read back too.
    tuned = GenerationSettings().tuned("hybrid", None, 0.5)
    assert (tuned.mode, tuned.confidence) == (RunMode.HYBRID_CONFIDENCE, 0.5)
    assert GenerationSettings.from_dict(tuned.to_dict()) == tuned
