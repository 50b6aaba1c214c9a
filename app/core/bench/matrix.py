"""`tandem bench`'s matrix: prompt lengths × new tokens × {plain, speculative} ×
{greedy, sampling at temperature 1.0}, then a sweep over K and confidence thresholds.

Both sessions are loaded once; every case is an interleaved comparison (runner.py).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from app.core.bench.costs import PairCosts, measure_pair_costs
from app.core.bench.prompts import BenchPrompt, prompts
from app.core.bench.rows import BenchRow, plain_row, speculative_row
from app.core.bench.runner import compare
from app.core.engine import GenerationRequest, Mode, PairSpec, load_session
from app.core.engine.errors import GenerationFailedError, InvalidSettingsError
from app.core.engine.session import Session

SAMPLING_SEED = 1234


@dataclass(frozen=True)
class BenchSettings:
    prompts: tuple[str, ...]
    new_tokens: tuple[int, ...]
    decodings: tuple[str, ...] = ("greedy", "sample")
    k: int = 3  # K for the main matrix
    k_sweep: tuple[int, ...] = (1, 2, 3, 4, 5, 6, 7, 8)
    confidence_sweep: tuple[float, ...] = (0.3, 0.5, 0.7)
    sweep_prompt: str = "chat-short"
    sweep_new_tokens: int = 96
    repeats: int = 3
    warmup: int = 1


QUICK = BenchSettings(prompts=("chat-short", "code-medium", "summary-long"),
                      new_tokens=(32, 96), k_sweep=(1, 2, 3, 4, 6, 8),
                      confidence_sweep=(0.3, 0.6), sweep_new_tokens=64, repeats=2)
FULL = BenchSettings(prompts=tuple(p.name for p in prompts()), new_tokens=(32, 128),
                     repeats=3)


@dataclass
class BenchReport:
    pair: str
    target: str
    draft: str
    device: str
    draft_device: str
    settings: BenchSettings
    costs: PairCosts
    rows: list[BenchRow] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    elapsed_s: float = 0.0


def _request(prompt: BenchPrompt, new_tokens: int, decoding: str, k: int | None = None,
             confidence: float | None = None) -> GenerationRequest:
    sample = decoding == "sample"
    return GenerationRequest.chat(
        prompt.text, max_new_tokens=new_tokens, do_sample=sample, temperature=1.0,
        seed=SAMPLING_SEED if sample else None, num_assistant_tokens=k,
        confidence_threshold=confidence)


class BenchRun:
    """Loads the pair once and runs cases, appending rows to a report."""

    def __init__(self, spec: PairSpec, settings: BenchSettings,
                 on_row: Callable[[BenchRow], None] | None = None) -> None:
        if spec.draft is None:
            raise InvalidSettingsError("The benchmark needs a pair with a draft model.",
                                       "Choose a pair with a draft, or pass --draft.")
        self.spec = spec
        self.settings = settings
        self.on_row = on_row or (lambda row: None)
        self.plain: Session = load_session(
            PairSpec(spec.target, None, spec.device, None, Mode.PLAIN, spec.name,
                     spec.load_properties()))
        self.speculative: Session = load_session(spec)
        self.report = BenchReport(
            pair=spec.label(), target=str(spec.target), draft=str(spec.draft),
            device=spec.device, draft_device=spec.resolved_draft_device, settings=settings,
            costs=measure_pair_costs(spec))

    def _note(self, text: str) -> None:
        if text not in self.report.notes:
            self.report.notes.append(text)

    def _fits(self, prompt: BenchPrompt, new_tokens: int) -> int | None:
        tokens = self.plain.count_input_tokens(_request(prompt, new_tokens, "greedy"))
        limit = self.plain.context_length
        if limit is not None and tokens + new_tokens > limit:
            self._note(
                f"skipped {prompt.name} with {new_tokens} new tokens: {tokens} prompt tokens "
                f"+ {new_tokens} do not fit the target's {limit}-token context")
            return None
        return tokens

    def case(self, section: str, prompt: BenchPrompt, new_tokens: int, decoding: str,
             k: int | None = None, confidence: float | None = None) -> None:
        tokens = self._fits(prompt, new_tokens)
        if tokens is None:
            return
        try:
            comparison = compare(
                self.plain, self.speculative, _request(prompt, new_tokens, decoding),
                _request(prompt, new_tokens, decoding, k, confidence),
                repeats=self.settings.repeats, warmup=self.settings.warmup)
        except GenerationFailedError as exc:
            self._note(f"{section} {prompt.name} {decoding} with {new_tokens} "
                                     f"new tokens failed: {exc.message}")
            return
        example = len({r.example for r in self.report.rows}) + 1
        for row in (plain_row(example, section, prompt.name, tokens, new_tokens, decoding,
                              comparison),
                    speculative_row(example, section, prompt.name, tokens, new_tokens,
                                    decoding, comparison, self.report.costs)):
            self.report.rows.append(row)
            self.on_row(row)

    def run(self) -> BenchReport:
        started = time.monotonic()
        s = self.settings
        for prompt in prompts(s.prompts):
            for new_tokens in s.new_tokens:
                for decoding in s.decodings:
                    self.case("matrix", prompt, new_tokens, decoding, k=s.k)
        sweep_prompt = prompts((s.sweep_prompt,))[0]
        for k in s.k_sweep:
            self.case("K sweep", sweep_prompt, s.sweep_new_tokens, "greedy", k=k)
        for threshold in s.confidence_sweep:
            self.case("confidence sweep", sweep_prompt, s.sweep_new_tokens, "greedy",
                      confidence=threshold)
        self.report.elapsed_s = time.monotonic() - started
        return self.report

    def close(self) -> None:
        self.plain.close()
        self.speculative.close()


def run_bench(spec: PairSpec, settings: BenchSettings,
              on_row: Callable[[BenchRow], None] | None = None) -> BenchReport:
    bench = BenchRun(spec, settings, on_row)
    try:
        return bench.run()
    finally:
        bench.close()

