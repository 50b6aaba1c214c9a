"""Sampling with a draft runs Tandem's own loop, not OpenVINO GenAI's.

Checked here with openvino-genai 2026.4.1 on the demo pair, its speculative sampling
1. fails an internal check (`content_length <= prompt_ids.size() + ...`) on a few percent
   of seeds (4 of 300 short answers), after which the pipeline must be rebuilt, and
2. does not keep the target's distribution: over seeds 0-59 of "Tell me about", plain
   sampling answered " a draft model." 13 times and speculative sampling never, while
   " a token." (the draft's favourite) rose from 8 to 16.
The universal loop does lossless speculative sampling on the raw runtime (the proof is in
`universal/verify.py`) and works with a draft that shares the target's tokenizer, so a
sampled request with a draft runs there. Greedy requests stay on GenAI.

Only one copy of the target is loaded at a time: the session releases its pipeline before
the loop's models load, and the loop's models before the pipeline is rebuilt, so toggling
sampling costs a load. With a fixed seed the answer is reproducible (the loop's generator
is seeded with it); the same seed in plain mode draws a different answer from the same
distribution.
"""

from __future__ import annotations

import threading
from dataclasses import replace

from app.core.engine.pair import PairSpec
from app.core.engine.session import Session
from app.core.engine.types import GenerationRequest, GenerationResult, Mode, StepSink

SAMPLED_BY_LOOP = "sampled_by_tandem_loop"


def runs_on_loop(mode: Mode, request: GenerationRequest) -> bool:
    """Whether a request on a pair in `mode` runs on Tandem's loop rather than GenAI's pipeline
    (sampling with a same-tokenizer draft)."""
    return mode is Mode.DRAFT and request.do_sample


def load_sampler(spec: PairSpec) -> Session:
    """The universal loop over the pair's own folders (same tokenizer or not)."""
    from app.core.engine.universal import UniversalSession

    return UniversalSession(replace(spec, mode=Mode.UNIVERSAL))


def as_draft_result(result: GenerationResult) -> GenerationResult:
    """The loop's result, labelled as the speculative run the user asked for."""
    stats = replace(result.stats, mode=Mode.DRAFT.value)
    return replace(result, stats=stats, library={**result.library, SAMPLED_BY_LOOP: 1.0})


class SampledDraftSession:
    """A draft pair loaded for sampled answers (`PairSpec.sampled`): the loop is loaded and
    warmed up at load, so the first sampled message neither builds a GenAI pipeline it then
    throws away nor pays for the loop's first run. A greedy request on it runs on the same
    loop (exact for greedy, like GenAI's); the window asks for a new load when sampling is
    switched off, since the spec changes."""

    backend_name = "tandem-loop"

    def __init__(self, spec: PairSpec) -> None:
        self.spec = spec
        self.mode = Mode.DRAFT
        self._loop = load_sampler(spec)
        self.load_time_s = self._loop.load_time_s
        self.context_length = self._loop.context_length
        self.warmup_s = getattr(self._loop, "warmup_s", None)

    def generate(self, request: GenerationRequest, sink: StepSink | None = None,
                 stop: threading.Event | None = None) -> GenerationResult:
        """Generate on Tandem's loop, reported as a draft run."""
        return as_draft_result(self._loop.generate(request, sink, stop))

    def count_input_tokens(self, request: GenerationRequest) -> int:
        """How many tokens the request's prompt is."""
        return self._loop.count_input_tokens(request)

    def close(self) -> None:
        """Release the loop's models."""
        self._loop.close()
