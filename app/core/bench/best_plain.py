"""The baseline a speedup is measured against: the fastest plain setting of the same target
that the user could run (issue 11). That is the target in its fastest weight format on
disk, on the stateful plain pipeline. A speculative int8 target that beats a plain int8
target but not a plain int4 one is no win: on that PC the user should run plain int4.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from app.core.engine import GenerationRequest, Mode, PairSpec, load_session
from app.core.engine.session import Session
from app.core.store.manifest import read_manifest


@dataclass(frozen=True)
class PlainOption:
    label: str  # the weight format ("int4") or the folder's name
    folder: Path


@dataclass(frozen=True)
class PlainFigure:
    option: PlainOption
    seconds_per_token: float  # median over the timed rounds and prompts (wall time)

    @property
    def tokens_per_s(self) -> float:
        return 1.0 / self.seconds_per_token if self.seconds_per_token > 0 else 0.0


def sibling_formats(target: Path) -> list[PlainOption]:
    """The target and every other folder beside it holding the same model (same source in
    the store's manifest) in another weight format; the target comes first."""
    own = read_manifest(target)
    label = own.weights if own and own.weights else target.name
    options = [PlainOption(label, target)]
    if own is None or not own.source or not target.parent.is_dir():
        return options
    for folder in sorted(target.parent.iterdir()):
        if folder == target or not folder.is_dir():
            continue
        other = read_manifest(folder)
        if other is not None and other.source == own.source and other.weights \
                and other.weights not in {o.label for o in options}:
            options.append(PlainOption(other.weights, folder))
    return options


def _seconds_per_token(session: Session, request: GenerationRequest) -> float:
    stats = session.generate(request).stats
    return stats.wall_time_s / max(1, stats.generated_tokens)


def measure_plain(options: Sequence[PlainOption], prompts: Sequence[str], *,
                  device: str = "CPU", new_tokens: int = 64, repeats: int = 2,
                  properties: dict[str, str] | None = None) -> list[PlainFigure]:
    """Each option's plain cost per token, all loaded at once and run round-robin (so
    drift on a shared machine hits every format alike), after one untimed round."""
    if not options:
        raise ValueError("no plain setting to measure")
    sessions = [load_session(PairSpec(o.folder, None, device, None, Mode.PLAIN, o.label,
                                      dict(properties or {}))) for o in options]
    times: list[list[float]] = [[] for _ in options]
    try:
        for round_ in range(-1, repeats):
            for prompt in prompts:
                request = GenerationRequest.chat(prompt, max_new_tokens=new_tokens)
                for index, session in enumerate(sessions):
                    cost = _seconds_per_token(session, request)
                    if round_ >= 0:
                        times[index].append(cost)
    finally:
        for session in sessions:
            session.close()
    return [PlainFigure(o, statistics.median(t)) for o, t in zip(options, times, strict=True)]


def fastest(figures: Sequence[PlainFigure]) -> PlainFigure:
    return min(figures, key=lambda f: f.seconds_per_token)
