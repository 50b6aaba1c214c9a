"""Whether speculation pays on this answer, measured as it goes: the loop's back-off.

A draft step costs the draft's calls plus a verify pass over K+1 positions; it pays when
the tokens it commits take less time each than plain decoding's one token per step. On
the real Qwen pair it does on most code and on no open chat (benchmarks/results/real:
speculation 0.85x on chat, 0.66x on one summary whose draft was mostly wrong). The tuner
picks a setting per prompt class from calibration prompts; this gate catches the prompt
that goes against its class, inside one answer.

Per source (draft, lookup) the gate keeps a moving average of each step's gain: tokens
committed times the plain step's time, over the step's time. Both are wall times of the
whole step on this machine, so a busy machine slows both alike. The plain step's time is
measured on a step without candidates: the first step of the answer, and every step
while a source is paused. When a source's gain falls below PAUSE_BELOW, its steps stop
for `wait` steps, then one probe step tries it again: a probe that pays reopens it, one
that does not doubles the wait (up to MAX_WAIT). Skipping candidates never changes the
text: a step without them is plain decoding's own step.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Below this gain a source is paused (a little under 1: near break-even either is fine,
# and the measurement is noisy).
PAUSE_BELOW = 0.95
# Steps a source must have been measured on before it can be paused.
MIN_STEPS = 3
# The plain step's moving average: the weight of the newest step.
ALPHA = 0.3
# A source's sums: the weight left to a step after each newer one (about 3 steps' memory).
DECAY = 0.7
FIRST_WAIT = 4
MAX_WAIT = 64


@dataclass
class _Source:
    tokens: float = 0.0  # decayed sums over this source's steps
    seconds: float = 0.0
    steps: int = 0
    wait: int = 0  # steps left before the next probe
    next_wait: int = FIRST_WAIT
    paused: bool = False  # its next step is a probe


@dataclass
class SpeculationGate:
    enabled: bool = True
    plain_seconds: float | None = None  # moving average of a step without candidates
    paused_steps: int = 0  # steps run without candidates because a source was paused
    pauses: int = 0
    _sources: dict[str, _Source] = field(default_factory=dict)

    def allows(self, source: str) -> bool:
        """Whether the next step may take candidates from `source`."""
        if not self.enabled:
            return True
        if self.plain_seconds is None:
            return False  # one plain step first: the yardstick
        return self._sources.setdefault(source, _Source()).wait == 0

    def record_plain(self, seconds: float, paused: bool) -> None:
        """A step without candidates took `seconds`; `paused`: because a source was paused
        (not because none proposed)."""
        if not self.enabled:
            return
        if self.plain_seconds is None:  # the yardstick, not a pause
            self.plain_seconds = seconds
        else:
            self.plain_seconds = (1 - ALPHA) * self.plain_seconds + ALPHA * seconds
            self.paused_steps += paused
        self._tick(None)

    def record(self, source: str, tokens: int, seconds: float) -> None:
        """A step with candidates from `source` committed `tokens` in `seconds`."""
        if not self.enabled or self.plain_seconds is None or seconds <= 0:
            return
        state = self._sources.setdefault(source, _Source())
        self._tick(state)
        state.tokens = DECAY * state.tokens + tokens
        state.seconds = DECAY * state.seconds + seconds
        gain = state.tokens * self.plain_seconds / state.seconds
        if state.paused:  # a probe
            state.paused = False
            if gain < PAUSE_BELOW:
                self._pause(state)
            else:
                state.next_wait = max(FIRST_WAIT, state.next_wait // 2)
            return
        state.steps += 1
        if state.steps >= MIN_STEPS and gain < PAUSE_BELOW:
            self._pause(state)

    def _tick(self, current: _Source | None) -> None:
        """One step went by: the other sources' pauses shorten."""
        for state in self._sources.values():
            if state is not current and state.wait > 0:
                state.wait -= 1

    def _pause(self, state: _Source) -> None:
        state.wait, state.paused = state.next_wait, True
        state.next_wait = min(MAX_WAIT, 2 * state.next_wait)
        self.pauses += 1
