"""The interface every backend implements (OpenVINO GenAI now; universal and remote later)."""

from __future__ import annotations

import threading
from typing import Protocol

from app.core.engine.pair import PairSpec
from app.core.engine.types import GenerationRequest, GenerationResult, Mode, StepSink


class Session(Protocol):
    backend_name: str
    spec: PairSpec
    mode: Mode
    load_time_s: float
    context_length: int | None

    def generate(self, request: GenerationRequest, sink: StepSink | None = None,
                 stop: threading.Event | None = None) -> GenerationResult: ...

    def count_input_tokens(self, request: GenerationRequest) -> int: ...

    def close(self) -> None: ...
