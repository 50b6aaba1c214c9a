"""Typed settings (window, last pair, devices, generation), saved atomically as JSON.

`GenerationSettings` also knows how to turn itself into the engine's PairSpec and
GenerationRequest, so the window and the tests build runs the same way.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import asdict, dataclass, field, fields, replace
from enum import StrEnum
from pathlib import Path
from typing import Any

from app import paths
from app.core.atomic_file import atomic_write_json, set_aside
from app.core.engine.pair import PairSpec
from app.core.engine.types import GenerationRequest, Message, Mode
from app.core.engine.validation import DEFAULT_NGRAM

THEMES = ("system", "light", "dark")
DRAFT_STYLES = ("tint", "underline", "both")


class RunMode(StrEnum):
    """How the window generates: plain, speculative (fixed K or confidence), prompt lookup,
    hybrid (prompt lookup where the context repeats, the draft elsewhere) or auto."""
    PLAIN = "plain"
    SPECULATIVE_K = "speculative_k"
    SPECULATIVE_CONFIDENCE = "speculative_confidence"
    PROMPT_LOOKUP = "prompt_lookup"
    HYBRID = "hybrid"  # on Tandem's loop: lookup candidates first, the draft's otherwise
    # The hybrid whose draft runs until its confidence drops (lookups start at K=3, grow)
    HYBRID_CONFIDENCE = "hybrid_confidence"
    AUTO = "auto"  # the tuner's stored choice for the pair and devices (see `tuned`)


HYBRID_MODES = (RunMode.HYBRID, RunMode.HYBRID_CONFIDENCE)
CONFIDENCE_MODES = (RunMode.SPECULATIVE_CONFIDENCE, RunMode.HYBRID_CONFIDENCE)

SEED_LIMIT = 2**31  # seeds are 0 .. 2**31 - 1 (what the seed box accepts)


@dataclass(frozen=True)
class GenerationSettings:
    """The generation options the window keeps and saves (mode, K, sampling, limits)."""
    mode: RunMode = RunMode.SPECULATIVE_K
    k: int = 3
    confidence: float = 0.4
    ngram: int = 3
    max_new_tokens: int = 256
    do_sample: bool = False
    temperature: float = 0.7
    top_p: float = 0.9
    top_k: int = 0
    seed: int = 42
    # Sampling draws a new seed for every answer (recorded with the answer) unless the
    # user fixed one: then `seed` is used and an answer can be reproduced.
    fix_seed: bool = False
    # Exact mode: every model computes in f32 (precision.py), so greedy speculative text is
    # plain's token for token on CPUs whose default is bf16; slower there.
    exact: bool = False
    # Auto's resolved settings: Tandem's loop pauses a source of candidates while its steps
    # do not pay (GenerationRequest.back_off). Chosen modes run as chosen.
    back_off: bool = False

    @property
    def engine_mode(self) -> Mode:
        """The engine mode these settings ask for, before a pair is known (auto drafts)."""
        if self.mode is RunMode.PLAIN:
            return Mode.PLAIN
        if self.mode is RunMode.PROMPT_LOOKUP:
            return Mode.PROMPT_LOOKUP
        if self.mode in HYBRID_MODES:
            return Mode.UNIVERSAL  # the hybrid runs on Tandem's loop, whatever the tokenizers
        return Mode.DRAFT

    def pair_spec(self, target: Path, draft: Path | None, device: str,
                  draft_device: str | None, name: str, universal: bool = False) -> PairSpec:
        """What to load; `universal` marks a draft with another tokenizer (Tandem's loop)."""
        mode = self.engine_mode
        if mode is Mode.DRAFT and draft is None:
            mode = Mode.PLAIN  # a pair without a draft can only run plain
        if mode is Mode.UNIVERSAL and draft is None:
            mode = Mode.PROMPT_LOOKUP  # the hybrid's other half
        if mode is Mode.DRAFT and universal:
            mode = Mode.UNIVERSAL
        drafted = mode in (Mode.DRAFT, Mode.UNIVERSAL)
        return PairSpec(target=target, draft=draft if drafted else None, device=device,
                        draft_device=draft_device if drafted else None, mode=mode, name=name,
                        sampled=self.do_sample and mode is Mode.DRAFT, exact=self.exact)

    def request(self, messages: tuple[Message, ...], mode: Mode) -> GenerationRequest:
        """The request for `messages` on a pair loaded in `mode`: options the mode cannot use are
        left out."""
        k: int | None = None
        confidence: float | None = None
        ngram: int | None = None
        if mode in (Mode.DRAFT, Mode.UNIVERSAL) and self.mode in CONFIDENCE_MODES:
            confidence = self.confidence
        elif mode is not Mode.PLAIN:
            k = self.k
        if mode is Mode.PROMPT_LOOKUP or (mode is Mode.UNIVERSAL
                                          and self.mode in HYBRID_MODES):
            ngram = self.ngram
        return GenerationRequest(
            messages=messages, max_new_tokens=self.max_new_tokens, do_sample=self.do_sample,
            temperature=self.temperature, top_p=self.top_p, top_k=self.top_k,
            seed=self.run_seed(), num_assistant_tokens=k,
            confidence_threshold=confidence, max_ngram_size=ngram,
            back_off=self.back_off and mode is Mode.UNIVERSAL)

    def run_seed(self) -> int | None:
        """The seed of one run: None when greedy, the fixed seed, or a fresh one."""
        if not self.do_sample:
            return None
        return self.seed if self.fix_seed else secrets.randbelow(SEED_LIMIT)

    def tuned(self, mode: str | None, k: int | None,
              confidence: float | None) -> GenerationSettings:
        """Auto mode resolved: a stored choice's mode ("plain", "draft", "universal",
        "prompt_lookup" or "hybrid") with its K or threshold; `mode=None` (never tuned) gives
        speculative K=3. (Whether a draft runs on Tandem's own loop is the spec's
        business: `pair_spec(..., universal=True)`.) Auto backs off where its loop runs."""
        return _resolved(replace(self, back_off=True), mode, k, confidence)

    def to_dict(self) -> dict[str, Any]:
        """The settings as JSON-ready data; `from_dict` reads it back."""
        return {**asdict(self), "mode": self.mode.value}

    @staticmethod
    def from_dict(data: dict[str, Any]) -> GenerationSettings:
        """Settings from saved data: unknown keys are ignored, missing ones take the defaults;
        raises ValueError for a value of the wrong type."""
        known = {f.name: f.type for f in fields(GenerationSettings)}
        values = {k: v for k, v in data.items() if k in known}
        if "mode" in values:
            values["mode"] = RunMode(values["mode"])
        defaults = GenerationSettings()
        for name, value in list(values.items()):
            expected = type(getattr(defaults, name))
            if expected is float and isinstance(value, int):
                values[name] = float(value)
            elif not isinstance(values[name], expected):
                raise ValueError(f"setting {name} has the wrong type")
        return replace(defaults, **values)


def _resolved(base: GenerationSettings, mode: str | None, k: int | None,
              confidence: float | None) -> GenerationSettings:
    """`base` in the mode of a stored choice (GenerationSettings.tuned)."""
    if mode is None:
        return replace(base, mode=RunMode.SPECULATIVE_K, k=3)
    if mode == Mode.PLAIN.value:
        return replace(base, mode=RunMode.PLAIN)
    if mode == Mode.PROMPT_LOOKUP.value:
        return replace(base, mode=RunMode.PROMPT_LOOKUP, k=k or base.k)
    if mode == RunMode.HYBRID.value and confidence is not None:
        return replace(base, mode=RunMode.HYBRID_CONFIDENCE, confidence=confidence,
                       ngram=DEFAULT_NGRAM)
    if mode == RunMode.HYBRID.value:  # as the tuner measured it (tuner.HYBRID_NGRAM)
        return replace(base, mode=RunMode.HYBRID, k=k or base.k, ngram=DEFAULT_NGRAM)
    if confidence is not None:
        return replace(base, mode=RunMode.SPECULATIVE_CONFIDENCE, confidence=confidence)
    return replace(base, mode=RunMode.SPECULATIVE_K, k=k or base.k)


@dataclass
class Settings:
    """Everything the window remembers between runs: geometry, last pair and devices, looks and the
    generation settings."""
    window_geometry: str = ""  # base64 of QMainWindow.saveGeometry()
    window_state: str = ""
    last_pair: str = ""
    target_device: str = "CPU"
    draft_device: str = ""  # "" means the target's device
    tint_draft_tokens: bool = True
    last_conversation: str = ""
    theme: str = "system"  # "system" (follow the OS), "light" or "dark"
    draft_style: str = "tint"  # how accepted draft tokens are marked: tint, underline, both
    system_presets: dict[str, str] = field(default_factory=dict)  # name -> system prompt
    model_cache: bool = True  # OpenVINO's compiled-model cache (CACHE_DIR) where it helps
    generation: GenerationSettings = field(default_factory=GenerationSettings)

    def to_dict(self) -> dict[str, Any]:
        """The settings as the JSON settings.json holds (version 1)."""
        data = asdict(self)
        data["generation"] = self.generation.to_dict()
        data["version"] = 1
        return data

    @staticmethod
    def from_dict(data: dict[str, Any]) -> Settings:
        """Settings from settings.json's data; raises ValueError for a value of the wrong type."""
        if not isinstance(data, dict):
            raise ValueError("settings must be a JSON object")
        settings = Settings()
        for f in fields(Settings):
            if f.name == "generation" or f.name not in data:
                continue
            value = data[f.name]
            if not isinstance(value, type(getattr(settings, f.name))):
                raise ValueError(f"setting {f.name} has the wrong type")
            setattr(settings, f.name, value)
        if settings.theme not in THEMES or settings.draft_style not in DRAFT_STYLES:
            raise ValueError("setting theme or draft_style has an unknown value")
        if not all(isinstance(v, str) for v in settings.system_presets.values()):
            raise ValueError("setting system_presets must map names to text")
        settings.generation = GenerationSettings.from_dict(data.get("generation", {}))
        return settings


@dataclass
class LoadedSettings:
    """Settings as loaded, whether this is the first launch, and what to tell the user if the file
    was set aside."""
    settings: Settings
    first_launch: bool
    problem: str = ""  # a sentence for the user when the file had to be set aside


def load_settings(path: Path | None = None) -> LoadedSettings:
    """The saved settings, or the defaults when there are none; a corrupt file is renamed aside and
    said so, a file that cannot be read now is left alone. Never raises for a bad file."""
    path = path or paths.settings_file()
    if not path.exists():
        return LoadedSettings(Settings(), first_launch=True)
    try:
        raw = path.read_bytes()
    except OSError as exc:  # not corruption: a lock, an I/O error; leave the file alone
        return LoadedSettings(Settings(), first_launch=False, problem=(
            f"The settings file could not be read right now ({exc.strerror or exc}); "
            "the defaults are in use for this session and the file was left as it is."))
    try:
        data = json.loads(raw.decode("utf-8"))
        return LoadedSettings(Settings.from_dict(data), first_launch=False)
    except (ValueError, TypeError, AttributeError) as exc:
        try:
            kept = f"it was kept as {set_aside(path).name}"
        except OSError as err:
            kept = f"it could not be renamed ({err.strerror or err}) and was left as it is"
        return LoadedSettings(Settings(), first_launch=False, problem=(
            f"The settings file could not be read ({exc}); {kept} "
            "and the defaults are in use."))


def save_settings(settings: Settings, path: Path | None = None) -> None:
    """Write the settings atomically (to the user's settings file by default)."""
    atomic_write_json(path or paths.settings_file(), settings.to_dict())
