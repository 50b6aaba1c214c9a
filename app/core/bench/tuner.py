"""The tuner: measure K from 1 to 8 and a few confidence thresholds, on each backend that
can run the pair (GenAI's speculative pipeline, Tandem's own loop on the stateful runtime,
prompt lookup, the hybrid of lookup and draft on Tandem's loop), against plain decoding;
keep the fastest, and store the choice per pair and devices. Speedups count against the
best plain setting the user could run: the target's fastest weight format on disk
(best_plain.py). When nothing beats it by a clear margin, the choice is plain in that
format: the worst case is never slower.

`stored_choice()` is what the chat window's "auto" mode reads (no Qt here).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from app.core.bench.best_plain import (
    PlainFigure,
    PlainOption,
    fastest,
    measure_plain,
    sibling_formats,
)
from app.core.bench.calibration_prompts import calibration_prompts
from app.core.bench.runner import compare
from app.core.bench.tuning_store import load_choice, save_choice
from app.core.engine import GenerationRequest, Mode, PairSpec, load_session
from app.core.engine.pair import Route
from app.core.engine.prompt_class import CLASSES, LEGACY_CLASS, prompt_class
from app.core.engine.session import Session
from app.core.engine.validation import DEFAULT_NGRAM

CALIBRATION_PROMPTS = calibration_prompts()  # two per prompt class
# Speculation must beat plain by this factor to be chosen: timing noise on a busy machine
# must not turn into a setting that is really slower.
MARGIN = 1.05


@dataclass(frozen=True)
class Trial:
    """One measured speculative setting: its speedup over plain overall and per prompt class,
    acceptance, and whether it kept the greedy text."""
    k: int | None
    confidence: float | None
    speedup: float  # geometric mean over the calibration prompts
    acceptance: float | None
    identical: bool  # same greedy text, or different only at numerical ties
    slowest_round: float = 0.0  # the lowest per-round ratio over all prompts
    tie_margins: tuple[float, ...] = ()  # the target's top-2 margin at each tie
    backend: str = Mode.DRAFT.value  # one of BACKENDS
    # per prompt class (prompt_class.py): (class, speedup, slowest round)
    per_class: tuple[tuple[str, float, float], ...] = ()
    # Tokens per target pass (generated / target steps): the most any speedup could be with
    # a free draft. A setting whose target ran about as many passes as plain cannot save
    # time, so a win measured for it is timing noise (inf when the backend did not count).
    ceiling: float = math.inf

    def can_win(self, margin: float = MARGIN) -> bool:
        """Whether this setting may be chosen at all: same text as plain, and a target-pass ceiling
        above `margin`."""
        return self.identical and self.ceiling > margin

    def wins(self, prompt_class: str, margin: float = MARGIN) -> bool:
        """Faster than the best plain by `margin` on this class, in every timed round."""
        return self.can_win(margin) and any(
            name == prompt_class and speedup > margin and slowest > 1.0
            for name, speedup, slowest in self.per_class)

    def speedup_on(self, classes: Sequence[str]) -> float:
        """The geometric mean speedup over the given prompt classes (0.0 when none was measured)."""
        return _geomean([speedup for name, speedup, _ in self.per_class if name in classes])

    @property
    def label(self) -> str:
        """The setting as the user reads it, e.g. "K=3" or "Tandem loop confidence 0.4"."""
        setting = f"K={self.k}" if self.k is not None else f"confidence {self.confidence}"
        return setting if self.backend == Mode.DRAFT.value else \
            f"{BACKEND_NAMES.get(self.backend, self.backend)} {setting}"


# The hybrid is not an engine mode: Tandem's loop (Mode.UNIVERSAL) with max_ngram_size set.
HYBRID = "hybrid"
HYBRID_NGRAM = DEFAULT_NGRAM  # what a tuned hybrid runs with (settings.tuned too)
BACKENDS = (Mode.DRAFT.value, Mode.UNIVERSAL.value, Mode.PROMPT_LOOKUP.value, HYBRID)
BACKEND_NAMES = {Mode.DRAFT.value: "GenAI speculative", Mode.UNIVERSAL.value: "Tandem loop",
                 Mode.PROMPT_LOOKUP.value: "prompt lookup", HYBRID: "hybrid"}


@dataclass(frozen=True)
class ClassChoice:
    """What Auto runs for one prompt class: the fastest setting that won there, or plain."""
    prompt_class: str
    mode: str = Mode.PLAIN.value  # "plain" or one of BACKENDS
    k: int | None = None
    confidence: float | None = None
    speedup: float = 1.0  # over the best plain, on this class's calibration prompts
    label: str = ""  # the setting as Trial.label gives it ("" for plain)

    @property
    def setting(self) -> tuple[str, int | None, float | None]:
        """What tells two class choices apart when they load and run the same."""
        return self.mode, self.k, self.confidence

    @staticmethod
    def of(trial: Trial | None, prompt_class: str) -> ClassChoice:
        """The choice for a class: `trial`'s setting, or plain when None."""
        if trial is None:
            return ClassChoice(prompt_class)
        return ClassChoice(prompt_class, trial.backend, trial.k, trial.confidence,
                           trial.speedup_on([prompt_class]), trial.label)


@dataclass(frozen=True)
class TunedChoice:
    """What auto mode runs for one pair on one pair of devices, and why (the stored result of
    tuning)."""
    pair_id: str
    device: str
    draft_device: str
    mode: str  # "plain", or the backend: "draft", "universal", "prompt_lookup" or "hybrid"
    k: int | None = None
    confidence: float | None = None
    speedup: float = 1.0  # of the chosen setting over plain (1.0 for plain)
    best_trial: str = ""  # the fastest speculative setting, even when plain was chosen
    best_trial_speedup: float = 0.0
    measured_at: str = ""
    plain_weights: str = ""  # the baseline: the target's fastest plain format ("int4")
    plain_target: str = ""  # that format's folder (plain runs there when chosen)
    plain_tokens_per_s: float = 0.0
    # Auto's routing: prompt classes that run plain (in the fastest format); () when no
    # class does. (Before class_choices, the other classes ran the setting above.)
    plain_classes: tuple[str, ...] = ()
    # Each measured class's own winner, plain included; the setting above is the one the
    # pair loads (the winner of the most classes). () in a choice stored before classes had
    # winners of their own.
    class_choices: tuple[ClassChoice, ...] = ()

    @property
    def uses_draft(self) -> bool:
        """Whether the choice loads the draft model."""
        return self.mode in (Mode.DRAFT.value, Mode.UNIVERSAL.value, HYBRID)

    @property
    def speculative(self) -> bool:
        """Whether the choice is anything but plain decoding."""
        return self.mode != Mode.PLAIN.value

    def apply(self, request: GenerationRequest) -> GenerationRequest:
        """The request with the tuned K or threshold (and the hybrid's n-gram size)."""
        if not self.speculative:
            return replace(request, num_assistant_tokens=None, confidence_threshold=None)
        return replace(request, num_assistant_tokens=self.k,
                       confidence_threshold=self.confidence,
                       max_ngram_size=_ngram(self.mode) or request.max_ngram_size)

    def describe(self) -> str:
        """One sentence for the user: what was chosen and how much faster it was."""
        plain = f"plain {self.plain_weights}" if self.plain_weights else "plain decoding"
        chosen = self.chosen_label or self.best_trial
        settings = {c.setting for c in self.class_choices} - {(Mode.PLAIN.value, None, None)}
        if self.speculative and len(settings) > 1:
            return "per prompt class: " + "; ".join(
                f"{c.prompt_class} {c.label} {c.speedup:.2f}×" if c.label
                else f"{c.prompt_class} {plain}" for c in self.class_choices)
        if self.speculative and self.plain_classes:
            return (f"{chosen}: {self.speedup:.2f}× faster than {plain} on "
                    f"{self.speculative_classes()} prompts; {', '.join(self.plain_run())} "
                    f"prompts run {plain}, fastest there")
        if self.speculative:
            return f"{chosen}: {self.speedup:.2f}× faster than {plain}"
        if self.best_trial:
            return (f"on this PC, {plain} is fastest for this pair: no setting beat it "
                    f"(best was {self.best_trial} at {self.best_trial_speedup:.2f}×)")
        return plain

    chosen_label: str = ""  # the chosen setting's label ("K=4", "prompt lookup K=3")

    def speculative_classes(self) -> str:
        """The prompt classes that run speculatively, comma-separated."""
        return ", ".join(c for c in CLASSES if not self.runs_plain(c)) or "the rest"

    def plain_run(self) -> list[str]:
        """The prompt classes that run plain."""
        return [c for c in CLASSES if self.runs_plain(c)]

    def to_dict(self) -> dict[str, Any]:
        """The choice as tuning.json holds it."""
        return asdict(self)

    def class_choice(self, prompt_class: str) -> ClassChoice | None:
        """What this class runs: its own measured choice, else that of the class it fell into
        before it had its own (LEGACY_CLASS), else None (the setting the pair loads)."""
        for name in (prompt_class, LEGACY_CLASS.get(prompt_class, prompt_class)):
            for c in self.class_choices:
                if c.prompt_class == name:
                    return c
        return None

    def runs_plain(self, prompt_class: str) -> bool:
        """Whether prompts of this class run plain, in a choice of any age."""
        if not self.speculative:
            return True
        if self.class_choices:
            mine = self.class_choice(prompt_class)
            return mine is not None and mine.mode == Mode.PLAIN.value
        # Stored before "edit" and "summary": they ran as "code" and "chat" then.
        return LEGACY_CLASS.get(prompt_class, prompt_class) in self.plain_classes


@dataclass
class TuningResult:
    """Everything a tuning run measured: the choice, each trial and each plain format."""
    choice: TunedChoice
    trials: list[Trial] = field(default_factory=list)
    plain: list[PlainFigure] = field(default_factory=list)  # each plain format measured
    # cost per token of the best plain / of the target's own plain (speedups are scaled
    # by it: 1.0 when the target's own format is the fastest)
    scale: float = 1.0


def choose(trials: Sequence[Trial], margin: float = MARGIN) -> Trial | None:
    """The fastest trial that keeps greedy text identical, beats plain by `margin` and was
    faster than plain in every timed round."""
    valid = [t for t in trials if t.can_win(margin) and t.speedup > margin
             and t.slowest_round > 1.0]
    return max(valid, key=lambda t: t.speedup) if valid else None


def choose_per_class(trials: Sequence[Trial], margin: float = MARGIN
                     ) -> tuple[Trial | None, tuple[ClassChoice, ...]]:
    """(the trial the pair loads, each measured class's own choice). A class runs the
    fastest trial that wins on it (Trial.wins: by `margin`, in every round), else plain.
    The trial the pair loads is the one most classes chose (then the fastest there); a
    class keeps that trial too when it wins there and no other beats it by `margin`, so a
    pipeline is loaded for a clear gain only. None when no class runs speculatively."""
    classes = [c for c in CLASSES if any(name == c for t in trials for name, _, _ in t.per_class)]
    best: dict[str, Trial | None] = {}
    for c in classes:
        winners = [t for t in trials if t.wins(c, margin)]
        best[c] = max(winners, key=lambda t: t.speedup_on([c])) if winners else None
    chosen = [t for t in best.values() if t is not None]
    if not chosen:
        return None, tuple(ClassChoice(c) for c in classes)

    def rank(t: Trial) -> tuple[int, float]:
        mine = [c for c, p in best.items() if p is t]
        return len(mine), t.speedup_on(mine)

    top = max(chosen, key=rank)
    for c, pick in best.items():
        if pick is not None and top.wins(c, margin) \
                and pick.speedup_on([c]) <= top.speedup_on([c]) * margin:
            best[c] = top
    return top, tuple(ClassChoice.of(t, c) for c, t in best.items())


def _backend_spec(spec: PairSpec, backend: str) -> PairSpec:
    if backend == Mode.PROMPT_LOOKUP.value:
        return PairSpec(spec.target, None, spec.device, None, Mode.PROMPT_LOOKUP, spec.name,
                        spec.load_properties())
    return replace(spec, mode=Mode.UNIVERSAL if backend == HYBRID else Mode(backend))


def _ngram(backend: str) -> int | None:
    """The n-gram size a backend's requests carry (None: no lookup, or GenAI's default)."""
    return HYBRID_NGRAM if backend == HYBRID else None


def _settings(backend: str, k_values: Sequence[int], thresholds: Sequence[float]
              ) -> list[tuple[int | None, float | None]]:
    ks: list[tuple[int | None, float | None]] = [(k, None) for k in k_values]
    if backend == Mode.PROMPT_LOOKUP.value:
        return ks  # lookup has no confidence to threshold
    # The hybrid's draft may run to its confidence too (its lookups then start at
    # loop.LOOKUP_START and grow).
    return ks + [(None, t) for t in thresholds]


def calibrate(spec: PairSpec, pair_id: str, *, k_values: Sequence[int] = range(1, 9),
              thresholds: Sequence[float] = (0.3, 0.5, 0.7),
              prompts: Sequence[str] = CALIBRATION_PROMPTS, new_tokens: int = 64,
              repeats: int = 2, margin: float = MARGIN,
              on_trial: Callable[[Trial], None] | None = None,
              backends: Sequence[str] | None = None,
              plain_options: Sequence[PlainOption] | None = None) -> TuningResult:
    """Measure every backend and setting against plain decoding of the same target (for
    speed and the greedy-text check), and scale each speedup to the best plain setting:
    the target's fastest format among `plain_options` (default: its formats in the store).
    """
    if spec.draft is None:
        raise ValueError("tuning needs a pair with a draft")
    backends = list(backends or [spec.resolved_mode.value])
    unknown = [b for b in backends if b not in BACKENDS]
    if unknown:
        raise ValueError(f"unknown backend {', '.join(unknown)}: use {', '.join(BACKENDS)}")
    options = list(plain_options or sibling_formats(spec.target))
    if all(o.folder != spec.target for o in options):
        options.insert(0, PlainOption(spec.target.name, spec.target))
    figures: list[PlainFigure] = measure_plain(
        options, prompts, device=spec.device, new_tokens=new_tokens, repeats=repeats,
        properties=spec.load_properties()) if len(options) > 1 else []
    best = fastest(figures) if figures else None
    own = next((f for f in figures if f.option.folder == spec.target), None)
    # cost of the best plain / cost of this target's plain: 1.0 when the target is the best
    scale = best.seconds_per_token / own.seconds_per_token if best and own else 1.0
    plain = load_session(PairSpec(spec.target, None, spec.device, None, Mode.PLAIN, spec.name,
                                  spec.load_properties()))
    trials: list[Trial] = []
    warm = False
    try:
        for backend in backends:
            speculative = load_session(_backend_spec(spec, backend))
            try:
                for k, threshold in _settings(backend, k_values, thresholds):
                    trial = _trial(plain, speculative, backend, k, threshold, prompts,
                                   new_tokens, repeats, warm, scale)
                    warm = True
                    trials.append(trial)
                    if on_trial is not None:
                        on_trial(trial)
            finally:
                speculative.close()
    finally:
        plain.close()
    best_trial = max(trials, key=lambda t: t.speedup)
    chosen, per_class = choose_per_class(trials, margin)
    plain_classes = tuple(c.prompt_class for c in per_class if c.mode == Mode.PLAIN.value)
    base = best.option if best else PlainOption(options[0].label, spec.target)
    choice = TunedChoice(
        pair_id=pair_id, device=spec.device, draft_device=spec.resolved_draft_device,
        mode=chosen.backend if chosen else Mode.PLAIN.value,
        k=chosen.k if chosen else None, confidence=chosen.confidence if chosen else None,
        speedup=chosen.speedup_on([c.prompt_class for c in per_class if c.setting == (
            chosen.backend, chosen.k, chosen.confidence)]) if chosen else 1.0,
        best_trial=best_trial.label, chosen_label=chosen.label if chosen else "",
        plain_classes=plain_classes if chosen else (),
        class_choices=per_class if chosen else (),
        best_trial_speedup=best_trial.speedup, measured_at=datetime.now(UTC).isoformat(),
        plain_weights=base.label if len(options) > 1 else "",
        plain_target=str(base.folder), plain_tokens_per_s=best.tokens_per_s if best else 0.0)
    return TuningResult(choice, trials, figures, scale)


def _trial(plain: Session, speculative: Session, backend: str, k: int | None,
           threshold: float | None, prompts: Sequence[str], new_tokens: int, repeats: int,
           warm: bool, scale: float) -> Trial:
    ratios: list[float] = []
    rounds: list[float] = []
    by_class: dict[str, tuple[list[float], list[float]]] = {}
    drafted = accepted = generated = steps = 0
    identical = True
    ties: list[float] = []
    for prompt in prompts:
        base = GenerationRequest.chat(prompt, max_new_tokens=new_tokens)
        cand = GenerationRequest.chat(prompt, max_new_tokens=new_tokens, num_assistant_tokens=k,
                                      confidence_threshold=threshold,
                                      max_ngram_size=_ngram(backend))
        # Warm both pipelines up once; later settings reuse compiled kernels.
        result = compare(plain, speculative, base, cand, repeats=repeats,
                         warmup=0 if warm else 1)
        ratios.append(result.speedup * scale)
        rounds.extend(r * scale for r in result.pair_ratios)
        mine = by_class.setdefault(prompt_class(prompt), ([], []))
        mine[0].append(result.speedup * scale)
        mine[1].extend(r * scale for r in result.pair_ratios)
        # A difference at a numerical tie (tie_margin.py) is not a failure.
        identical = identical and bool(result.same_text)
        if result.tie is not None and result.tie.is_tie:
            ties.append(result.tie.distance)
        drafted += sum(s.drafted_tokens or 0 for s in result.candidate)
        accepted += sum(s.accepted_tokens or 0 for s in result.candidate)
        generated += sum(s.generated_tokens for s in result.candidate)
        steps += sum(s.target_steps for s in result.candidate)
    per_class = tuple((name, _geomean(values), min(slowest, default=0.0))
                      for name, (values, slowest) in sorted(by_class.items()))
    return Trial(k, threshold, _geomean(ratios), accepted / drafted if drafted else None,
                 identical, min(rounds, default=0.0), tuple(ties), backend, per_class,
                 generated / steps if steps else math.inf)


def _geomean(values: Sequence[float]) -> float:
    return math.exp(sum(math.log(v) for v in values) / len(values)) if values else 0.0


def tune(spec: PairSpec, pair_id: str, **kwargs: Any) -> TuningResult:
    """Calibrate and store the choice for this pair and devices."""
    result = calibrate(spec, pair_id, **kwargs)
    save_choice(result.choice.to_dict())
    return result


def stored_choice(pair_id: str, device: str = "CPU",
                  draft_device: str | None = None) -> TunedChoice | None:
    """The stored choice for a pair on these devices, or None if it was never tuned."""
    data = load_choice(pair_id, device, draft_device or device)
    if data is None:
        return None
    known = set(TunedChoice.__dataclass_fields__)
    fields = {k: v for k, v in data.items() if k in known}
    fields["plain_classes"] = tuple(fields.get("plain_classes") or ())  # a list in JSON
    known_class = set(ClassChoice.__dataclass_fields__)
    fields["class_choices"] = tuple(
        ClassChoice(**{k: v for k, v in c.items() if k in known_class})
        for c in fields.get("class_choices") or () if isinstance(c, dict))
    return TunedChoice(**fields)


def fastest_plain_target(choice: TunedChoice | None, target: Path) -> Path:
    """The target folder of the fastest plain format the tuner measured, while it is still
    on disk; otherwise the pair's own target."""
    if choice is not None and choice.plain_target:
        fastest_folder = Path(choice.plain_target)
        if (fastest_folder / "openvino_model.xml").is_file():
            return fastest_folder
    return target


def auto_target(choice: TunedChoice | None, target: Path, universal: bool) -> tuple[Path, bool]:
    """Where auto mode runs a pair: (target folder, whether on Tandem's own loop). Plain
    runs in the target's fastest format when the tuner found one and it is still on disk;
    a choice of Tandem's loop runs the draft there even when GenAI could load the pair."""
    if choice is None:
        return target, universal
    if not choice.speculative:
        return fastest_plain_target(choice, target), universal
    return target, universal or choice.mode in (Mode.UNIVERSAL.value, HYBRID)


def auto_routes(choice: TunedChoice | None, target: Path, draft: Path | None,
                draft_device: str | None = None) -> tuple[Route, ...]:
    """Auto's routing for a tuned pair: one route per setting that differs from the one the
    pair loads (plain on the fastest plain format, or another backend on `target` with
    `draft`); () when one setting serves every prompt."""
    if choice is None or not choice.speculative:
        return ()
    plain_target = fastest_plain_target(choice, target)
    if not choice.class_choices:  # a choice stored before classes had their own winners
        plain = tuple(c for c in CLASSES if choice.runs_plain(c))
        return (Route(plain_target, plain),) if plain else ()
    top = (choice.mode, choice.k, choice.confidence)
    groups: dict[tuple[str, int | None, float | None], list[str]] = {}
    gains: dict[tuple[str, int | None, float | None], float] = {}
    for name in CLASSES:  # a class never measured runs as LEGACY_CLASS says (class_choice)
        mine = choice.class_choice(name)
        if mine is not None and mine.setting != top:
            groups.setdefault(mine.setting, []).append(name)
            gains[mine.setting] = max(gains.get(mine.setting, 0.0), mine.speedup)
    # The fastest routes first: when memory is short, RoutedSession drops from the last.
    ordered = sorted(groups.items(), key=lambda item: -gains[item[0]])
    routes = []
    for (mode, k, confidence), classes in ordered:
        if mode == Mode.PLAIN.value:
            routes.append(Route(plain_target, tuple(classes)))
            continue
        engine = Mode.UNIVERSAL if mode == HYBRID else Mode(mode)
        drafted = engine in (Mode.DRAFT, Mode.UNIVERSAL)
        routes.append(Route(target, tuple(classes), engine, k, confidence, _ngram(mode),
                            draft if drafted else None, draft_device if drafted else None))
    return tuple(routes)
