"""One short untimed answer right after a load, so that the user's first answer does not
pay for what a pipeline does on its first run (kernels compiled for the prefill and
decode shapes, weights paged in): seen with an int4 1.5B target, a first TTFT of about
7 s against 1 s later (issue 11)."""

from __future__ import annotations

import time
from collections.abc import Callable

from app.core.engine.errors import TandemError
from app.core.engine.types import GenerationRequest

WARMUP_PROMPT = "Say hello."
WARMUP_TOKENS = 3  # with a draft: a prefill, then verification steps of K+1 tokens


def warm_up(generate: Callable[[GenerationRequest], object]) -> float | None:
    """Answer the warm-up prompt; the seconds it took, or None if the pipeline could not
    answer (the first real answer will then say why)."""
    started = time.monotonic()
    try:
        generate(GenerationRequest.chat(WARMUP_PROMPT, max_new_tokens=WARMUP_TOKENS))
    except TandemError:
        return None
    return time.monotonic() - started
