"""The race's arithmetic, without Qt: rounds of plain against speculative on one prompt,
their mean speedup and spread, the result line, the timeline and a Markdown export."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field

from app.core.bench.runner import Divergence, first_divergence
from app.core.engine.types import GenerationResult


@dataclass(frozen=True)
class RaceRound:
    """One round of a race: the plain run and the speculative run of the same prompt."""
    plain: GenerationResult
    speculative: GenerationResult

    @property
    def speedup(self) -> float:
        """Plain wall time over speculative wall time (0.0 when the latter is unknown)."""
        spec = self.speculative.stats.wall_time_s
        return self.plain.stats.wall_time_s / spec if spec > 0 else 0.0

    @property
    def divergence(self) -> Divergence | None:
        """Where the speculative tokens first differ from the plain ones, or None."""
        return first_divergence(self.plain.token_ids, self.speculative.token_ids)


def timeline(result: GenerationResult) -> list[tuple[float, int]]:
    """(seconds since the prompt was submitted, tokens so far) after each target step.

    A stream without token ids (an OpenAI-style server: llama.cpp, vLLM) counts each
    text chunk as one token, as the live metrics do."""
    steps = [e for e in result.steps if e.token_ids]
    text_chunks = not steps
    if text_chunks:
        steps = [e for e in result.steps if e.text]
    if not steps:
        return [(0.0, 0)]
    submitted = steps[0].timestamp - result.stats.ttft_ms / 1000
    points = [(0.0, 0)]
    total = 0
    for event in steps:
        total += 1 if text_chunks else len(event.token_ids)
        points.append((event.timestamp - submitted, total))
    return points


@dataclass
class RaceSummary:
    """All rounds of a race and what they show together: speedup, spread, acceptance, whether the
    texts agree."""
    sampled: bool = False
    rounds: list[RaceRound] = field(default_factory=list)
    # The plain side runs the target's fastest weight format (the best plain baseline);
    # when that is another folder than the speculative target's, the texts come from
    # different weights and are not compared.
    plain_label: str = ""  # e.g. "plain int4"; "" for the pair's own target
    same_weights: bool = True

    @property
    def speedups(self) -> list[float]:
        """Each round's speedup."""
        return [r.speedup for r in self.rounds]

    @property
    def mean_speedup(self) -> float:
        """The mean speedup over the rounds (0.0 before any round)."""
        return statistics.fmean(self.speedups) if self.rounds else 0.0

    @property
    def spread(self) -> float:
        """The standard deviation of the speedups (0.0 for one round)."""
        return statistics.stdev(self.speedups) if len(self.rounds) > 1 else 0.0

    @property
    def divergence(self) -> Divergence | None:
        """The first divergence of any round; None when sampling or when the sides ran different
        weights."""
        if self.sampled or not self.same_weights:
            return None
        return next((r.divergence for r in self.rounds if r.divergence), None)

    @property
    def identical(self) -> bool | None:
        """Whether every round gave the same text; None when that is not comparable (sampling,
        different weights)."""
        return None if self.sampled or not self.same_weights else self.divergence is None

    @property
    def acceptance(self) -> float | None:
        """Accepted over drafted tokens over all rounds, or None when nothing was drafted."""
        drafted = sum(r.speculative.stats.drafted_tokens or 0 for r in self.rounds)
        accepted = sum(r.speculative.stats.accepted_tokens or 0 for r in self.rounds)
        return accepted / drafted if drafted else None

    def result_line(self) -> str:
        """E.g. "speculative 2.1× faster · identical text ✓ · 68% of draft tokens accepted"."""
        if not self.rounds:
            return "no race yet"
        speed = self.mean_speedup
        than = f" than {self.plain_label}" if self.plain_label else ""
        parts = [f"speculative {speed:.1f}× faster{than}" if speed >= 1.0
                 else f"speculative {speed:.2f}× (slower than "
                      f"{self.plain_label or 'plain'})"]
        if len(self.rounds) > 1:
            parts[0] += f" (mean of {len(self.rounds)}, ± {self.spread:.2f})"
        found = self.divergence
        if self.sampled:
            parts.append("sampled: texts may differ")
        elif not self.same_weights:
            parts.append("texts not compared (other weights)")
        elif found is None:
            parts.append("identical text ✓")
        else:
            parts.append(f"text differs ✗ at token {found.index}")
        if self.acceptance is not None:
            parts.append(f"{self.acceptance * 100:.0f}% of draft tokens accepted")
        return " · ".join(parts)


def race_markdown(summary: RaceSummary, prompt: str, pair: str, settings: str) -> str:
    """The race as a Markdown report: pair, prompt, settings, the result line and a table of
    rounds."""
    lines = [f"## Tandem race: {pair}", "", f"Prompt: {prompt}", "", f"Settings: {settings}",
             "", f"**{summary.result_line()}**", "",
             "| round | plain s | speculative s | speedup | plain tok/s | speculative tok/s "
             "| acceptance | tokens per step |",
             "|---|---|---|---|---|---|---|---|"]
    for index, race in enumerate(summary.rounds, 1):
        a, b = race.plain.stats, race.speculative.stats
        acc = "—" if b.acceptance_rate is None else f"{b.acceptance_rate * 100:.0f}%"
        lines.append(f"| {index} | {a.wall_time_s:.3f} | {b.wall_time_s:.3f} | "
                     f"{race.speedup:.2f}× | {a.throughput_tps:.1f} | {b.throughput_tps:.1f} "
                     f"| {acc} | {b.block_efficiency:.2f} |")
    if summary.rounds:
        lines += ["", "Speculative answer (last round):", "", "```",
                  summary.rounds[-1].speculative.text, "```"]
        found = summary.divergence
        if found is not None:
            lines += ["", found.describe()]
    return "\n".join(lines) + "\n"


def devices_overlap(plain_device: str, speculative_devices: tuple[str, ...]) -> bool:
    """Whether the two sides would share a device (then they must run one after the other)."""
    def base(device: str) -> str:
        return device.split(".")[0].upper()

    return base(plain_device) in {base(d) for d in speculative_devices}
