"""The interface every backend implements (OpenVINO GenAI now; universal and remote later)."""

from __future__ import annotations

import threading
from typing import Protocol

from app.core.engine.pair import PairSpec
from app.core.engine.types import GenerationRequest, GenerationResult, Mode, StepSink


class Session(Protocol):
    """A loaded pair that generates. It is created, used and closed on one thread; `load_session`
    picks the backend for a spec."""
    backend_name: str
    spec: PairSpec
    mode: Mode
    load_time_s: float
    context_length: int | None

    def generate(self, request: GenerationRequest, sink: StepSink | None = None,
                 stop: threading.Event | None = None) -> GenerationResult:
        """Generate `request`, handing each step to `sink` on this thread; a set `stop` ends the run
        at its next step with the partial text (FinishReason.STOPPED)."""

    def count_input_tokens(self, request: GenerationRequest) -> int:
        """How many tokens the request's prompt is for the target (0 when only the server knows)."""

    def close(self) -> None:
        """Release the models; the session generates no more."""
