"""Running figures of one answer, from its step events (no Qt): what the charts plot.

During the run, drafted tokens are estimated as K per step after the prefill; the final
RunStats replaces the estimates with the engine's exact counts.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from app.core.engine import RunStats, StepEvent

# Charts repaint at most this often during an answer (the number tiles at every batch):
# a chart repaint is mostly Python (pyqtgraph) holding the GIL the worker's streamer needs.
CHART_REFRESH_S = 0.5


@dataclass
class LiveMetrics:
    submitted: float = 0.0
    k: int | None = None  # fixed K, when known
    speculative: bool = False
    tokens: int = 0
    steps: int = 0
    accepted: int = 0
    drafted: int = 0
    first_token_at: float | None = None
    last_token_at: float | None = None
    histogram: Counter[int] = field(default_factory=Counter)
    speed_points: list[tuple[float, float]] = field(default_factory=list)  # (s, tok/s)
    final: RunStats | None = None
    # True when the stream's first chunk had text but no token ids (an OpenAI-style
    # server): each such chunk then counts as one token. Local streams always carry ids,
    # and their id-less tail event (held-back text) is not a token.
    text_chunks: bool = False

    def reset(self, submitted: float, k: int | None, speculative: bool) -> None:
        self.__init__(submitted=submitted, k=k, speculative=speculative)  # type: ignore[misc]

    def add(self, events: Sequence[StepEvent]) -> None:
        for event in events:
            # OpenAI-style servers send text chunks without token ids: count a chunk as one.
            if self.tokens == 0 and not event.token_ids and event.text:
                self.text_chunks = True
            count = len(event.token_ids) or (1 if event.text and self.text_chunks else 0)
            if not count:
                continue
            if self.first_token_at is None:
                self.first_token_at = event.timestamp
            self.last_token_at = event.timestamp
            self.tokens += count
            self.steps += 1
            if event.index > 0 and self.speculative:
                self.accepted += event.draft_tokens
                self.drafted += max(self.k or 0, event.draft_tokens)
                self.histogram[event.draft_tokens] += 1
            # One point per step, from the steps' own timestamps: batching does not matter.
            elapsed = event.timestamp - self.first_token_at
            if self.tokens >= 2 and elapsed > 0:
                self.speed_points.append((elapsed, (self.tokens - 1) / elapsed))

    def finish(self, stats: RunStats) -> None:
        self.final = stats
        self.histogram = Counter(stats.accepted_histogram)

    @property
    def ttft_ms(self) -> float | None:
        if self.final is not None:
            return self.final.ttft_ms
        if self.first_token_at is None:
            return None
        return (self.first_token_at - self.submitted) * 1000

    @property
    def tokens_per_second(self) -> float | None:
        if self.final is not None:
            return self.final.throughput_tps
        if self.first_token_at is None or self.last_token_at is None or self.tokens < 2:
            return None
        elapsed = self.last_token_at - self.first_token_at
        return (self.tokens - 1) / elapsed if elapsed > 0 else None

    @property
    def acceptance(self) -> float | None:
        if self.final is not None:
            return self.final.acceptance_rate
        if not self.speculative or not self.drafted:
            return None
        return self.accepted / self.drafted

    @property
    def tokens_per_step(self) -> float | None:
        if self.final is not None:
            return self.final.block_efficiency if self.final.target_steps else None
        return self.tokens / self.steps if self.steps else None
