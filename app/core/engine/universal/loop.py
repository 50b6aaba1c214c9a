"""The verification loop, one target step at a time.

Invariant between steps: the target's cache holds the prompt and every committed token
but the last one (`pending`), which the next target pass feeds first. A step:

1. the draft proposes bytes after the committed text (`draft_side`);
2. they become at most `limit` target candidates (`candidates`), where `limit` keeps
   candidates plus the target's own token within max_new_tokens (no overshoot);
   a draft with the target's own vocabulary proposes target ids directly instead
   (`shared_draft`), as GenAI's pipeline does;
3. one target pass over [pending, *candidates] gives logits for every position;
4. `verify` accepts a prefix and picks the target's own next token;
5. the cache is trimmed by the rejected candidates only; the accepted ones and the new
   token go to the streamer as one burst, exactly like a GenAI draft step. A burst ends
   at its first stop id (any end id the target's generation_config.json lists, or the
   tokenizer's EOS), as plain decoding would have ended there.

The loop's own time (everything but model inference) is measured per step.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from statistics import median

import numpy as np

from app.core.engine.streamer import BurstStreamer
from app.core.engine.types import DRAFT_SOURCE, LOOKUP_SOURCE, GenerationRequest
from app.core.engine.universal.candidates import target_candidates
from app.core.engine.universal.draft_side import DraftSide
from app.core.engine.universal.gate import SpeculationGate
from app.core.engine.universal.lookup import NgramIndex
from app.core.engine.universal.runner import StatefulModel
from app.core.engine.universal.shared_draft import SharedDraftSide
from app.core.engine.universal.verify import Sampling, sample, verify_greedy, verify_sampled
from app.core.engine.universal.vocab import TokenBytes

# With a confidence threshold the draft decides when to stop, within this many tokens.
THRESHOLD_MAX_CANDIDATES = 16
# Hybrid: a lookup whose candidates were all accepted is likely to go on (an edit copying
# the code it was given), so the next lookup may propose twice as many, up to this many; a
# rejection returns to K. A longer verify pass costs little more on a CPU (costs.json: 9
# tokens about as much as 5), and drafting none costs no draft call.
LOOKUP_MAX = 16
# Hybrid with a confidence threshold (no K): where a lookup starts, before it grows. The
# draft's own run length is its confidence's business; a lookup has no confidence, so it
# starts at GenAI's default K and earns its length by being accepted whole.
LOOKUP_START = 3
# From this many generated tokens on, the draft/target token ratio is measured on the
# answer itself rather than on the prompt (chat markup tokenizes differently from prose).
RATIO_FROM_ANSWER = 16


@dataclass
class LoopReport:
    drafted_per_step: list[int] = field(default_factory=list)  # candidates, prefill excluded
    overhead_ms: list[float] = field(default_factory=list)  # loop time per step, no models
    # The same in this thread's CPU time: what the loop itself costs, even when the
    # machine is busy and the thread waits for a core (wall time then counts the wait).
    overhead_cpu_ms: list[float] = field(default_factory=list)
    target_ms: float = 0.0
    target_calls: int = 0
    draft_ms: float = 0.0
    draft_calls: int = 0
    trim_ms: float = 0.0
    lookup_steps: int = 0  # hybrid: steps whose candidates came from prompt lookup
    lookup_accepted: int = 0
    lookup_longest: int = 0  # the most candidates one lookup step proposed
    draft_accepted: int = 0
    # back-off: steps without candidates because a source did not pay (after the yardstick)
    paused_steps: int = 0
    pauses: int = 0

    @property
    def target_ms_per_call(self) -> float | None:
        return self.target_ms / self.target_calls if self.target_calls else None

    @property
    def draft_ms_per_call(self) -> float | None:
        return self.draft_ms / self.draft_calls if self.draft_calls else None

    def figures(self) -> dict[str, float]:
        """Figures for GenerationResult.library (this backend's own measurements)."""
        figures = {"target_steps": float(len(self.drafted_per_step) + 1),
                   "drafted": float(sum(self.drafted_per_step)),
                   "target_ms": self.target_ms, "draft_ms": self.draft_ms,
                   "trim_ms": self.trim_ms, "draft_accepted": float(self.draft_accepted)}
        if self.lookup_steps:
            figures["lookup_steps"] = float(self.lookup_steps)
            figures["lookup_accepted"] = float(self.lookup_accepted)
            figures["lookup_longest"] = float(self.lookup_longest)
        if self.pauses:
            figures["paused_steps"] = float(self.paused_steps)
            figures["pauses"] = float(self.pauses)
        if self.overhead_ms:
            figures["loop_overhead_ms"] = median(self.overhead_ms)
            figures["loop_overhead_max_ms"] = max(self.overhead_ms)
            figures["loop_overhead_cpu_ms"] = median(self.overhead_cpu_ms)
        return figures


def _ratio(draft_tokens: int, target_tokens: int) -> float:
    """Draft tokens per target token for the same text, bounded."""
    return min(4.0, max(0.5, draft_tokens / max(1, target_tokens)))


def _draft_steps(request: GenerationRequest, ratio: float) -> tuple[int, int]:
    """(draft tokens to draft, target candidates allowed) for one step."""
    if request.confidence_threshold is not None:
        return math.ceil(THRESHOLD_MAX_CANDIDATES * ratio), THRESHOLD_MAX_CANDIDATES
    k = request.num_assistant_tokens or 1
    # K counts target tokens; the draft's vocabulary may spell the same text in more tokens.
    return max(1, math.ceil(k * ratio)), k


def run_loop(target: StatefulModel, vocab: TokenBytes, draft: DraftSide | SharedDraftSide,
             request: GenerationRequest, target_prompt: list[int], draft_prompt: list[int],
             streamer: BurstStreamer, stop_ids: frozenset[int]) -> LoopReport:
    report = LoopReport()
    sampling = Sampling(request.temperature, request.top_p, request.top_k)
    rng = np.random.default_rng(request.seed)
    draft_steps, limit_k = _draft_steps(request, _ratio(len(draft_prompt), len(target_prompt)))
    target.reset_counters()
    draft.model.reset_counters()
    target.reset()
    draft.start(draft_prompt)

    logits = target.forward(target_prompt, rows=1)[-1]
    first = sample(sampling.probabilities(logits), rng) if request.do_sample \
        else int(np.argmax(logits))
    committed_ids = [first]
    committed = bytearray(vocab.pieces[first])
    # Hybrid (max_ngram_size set): prompt lookup first, the draft when nothing matches.
    lookup = NgramIndex([*target_prompt, first], request.max_ngram_size) \
        if request.max_ngram_size else None
    lookup_base = request.num_assistant_tokens or LOOKUP_START
    lookup_limit = lookup_base
    gate = SpeculationGate(enabled=request.back_off)
    if not _emit(streamer, [first], stop_ids):
        return _finish(report, target, draft)
    while len(committed_ids) < request.max_new_tokens:
        started, started_cpu = time.perf_counter(), time.thread_time()
        model_before = target.infer_seconds + draft.model.infer_seconds
        model_cpu_before = target.infer_cpu_seconds + draft.model.infer_cpu_seconds
        limit = min(limit_k, request.max_new_tokens - len(committed_ids) - 1)
        candidates: list[int] = []
        if len(committed_ids) >= RATIO_FROM_ANSWER:
            draft_steps, _ = _draft_steps(
                request, _ratio(draft.committed_tokens, len(committed_ids)))
        drafting = limit > 0 and gate.allows(DRAFT_SOURCE)
        if lookup is not None and limit > 0 and gate.allows(LOOKUP_SOURCE):
            # No model call when the context already says what comes next.
            candidates = lookup.propose(
                min(lookup_limit, request.max_new_tokens - len(committed_ids) - 1))
        looked_up = bool(candidates)
        if looked_up:
            pass
        elif drafting and isinstance(draft, SharedDraftSide):
            # The same vocabulary: the draft's ids are the candidates.
            candidates = draft.propose_ids(committed_ids, limit, request.confidence_threshold)
        elif drafting and isinstance(draft, DraftSide):
            # The committed text is passed without a copy: each side reads only its tail.
            proposal = draft.propose(committed, draft_steps, request.confidence_threshold)
            candidates = target_candidates(vocab, committed_ids, committed, proposal, limit)
        pending_at = target.length
        logits = target.forward([committed_ids[-1], *candidates])
        if request.do_sample:
            accepted, token = verify_sampled(logits, candidates, sampling, rng)
        else:
            accepted, token = verify_greedy(logits, candidates)
        target.trim(pending_at + 1 + accepted)
        burst = _cut_at_stop([*candidates[:accepted], token], stop_ids)
        committed_ids.extend(burst)
        if lookup is not None:
            lookup.extend(burst)
        if looked_up:
            report.lookup_steps += 1
            report.lookup_accepted += accepted
            report.lookup_longest = max(report.lookup_longest, len(candidates))
            whole = accepted == len(candidates) == lookup_limit
            lookup_limit = min(max(LOOKUP_MAX, lookup_base), 2 * lookup_limit) if whole \
                else lookup_base
        else:
            report.draft_accepted += accepted
        committed += vocab.spell(burst)
        report.drafted_per_step.append(len(candidates))
        streamer.source = LOOKUP_SOURCE if looked_up else DRAFT_SOURCE
        # Timed before the streamer: it costs a plain step as much, so it would blur the ratio.
        step_seconds = time.perf_counter() - started
        if candidates:
            gate.record(streamer.source, len(burst), step_seconds)
        else:
            gate.record_plain(step_seconds, paused=limit > 0 and not drafting)
        going = _emit(streamer, burst, stop_ids)
        model_time = target.infer_seconds + draft.model.infer_seconds - model_before
        report.overhead_ms.append((time.perf_counter() - started - model_time) * 1000)
        model_cpu = target.infer_cpu_seconds + draft.model.infer_cpu_seconds - model_cpu_before
        report.overhead_cpu_ms.append((time.thread_time() - started_cpu - model_cpu) * 1000)
        if not going:
            break
    return _finish(report, target, draft, gate)


def _cut_at_stop(burst: list[int], stop_ids: frozenset[int]) -> list[int]:
    """The burst up to and including its first stop id (an accepted candidate can be one)."""
    for index, token in enumerate(burst):
        if token in stop_ids:
            return burst[: index + 1]
    return burst


def _emit(streamer: BurstStreamer, burst: list[int], stop_ids: frozenset[int]) -> bool:
    """Hand one step to the streamer; False when the run must end here."""
    streamer.write(burst)
    return not (streamer.error is not None or streamer.stop_string_hit
                or streamer.stopped_by_user or burst[-1] in stop_ids)


def _finish(report: LoopReport, target: StatefulModel,
            draft: DraftSide | SharedDraftSide, gate: SpeculationGate | None = None) -> LoopReport:
    if gate is not None:
        report.paused_steps, report.pauses = gate.paused_steps, gate.pauses
    report.target_ms = target.infer_seconds * 1000
    report.target_calls = target.infer_calls
    report.draft_ms = draft.model.infer_seconds * 1000
    report.draft_calls = draft.model.infer_calls
    report.trim_ms = (target.trim_seconds + draft.model.trim_seconds) * 1000
    return report
