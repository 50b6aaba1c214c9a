"""The engine's vocabulary: what a run is asked to do, what it reports per step and at the end."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any, Protocol


class Mode(StrEnum):
    """How a pair generates: the target alone, with a same-tokenizer draft, with prompt lookup, or
    with a draft of another tokenizer (universal)."""
    PLAIN = "plain"
    DRAFT = "draft"
    PROMPT_LOOKUP = "prompt_lookup"
    UNIVERSAL = "universal"  # a draft with another tokenizer (Tandem's own loop)


class FinishReason(StrEnum):
    """Why a generation ended."""
    LENGTH = "length"
    STOP_STRING = "stop_string"
    END_OF_SEQUENCE = "end_of_sequence"
    STOPPED = "stopped"


@dataclass(frozen=True)
class Message:
    """One chat message: a role and its text."""
    role: str  # "system", "user" or "assistant"
    content: str


@dataclass(frozen=True)
class GenerationRequest:
    """One generation. Exactly one of `messages` (chat) or `prompt` (raw completion)."""

    messages: tuple[Message, ...] = ()
    prompt: str | None = None
    max_new_tokens: int = 128
    do_sample: bool = False
    temperature: float = 1.0
    top_p: float = 1.0
    top_k: int = 0
    seed: int | None = None
    stop_strings: tuple[str, ...] = ()
    num_assistant_tokens: int | None = None  # K; None means the backend default
    confidence_threshold: float | None = None
    max_ngram_size: int | None = None  # prompt lookup
    # Tandem's loop: pause drafting (or lookup) while its steps do not pay on this answer,
    # measured step by step (universal/gate.py). Auto asks for it; the text is the same.
    back_off: bool = False

    @staticmethod
    def chat(text: str, system: str | None = None, **kwargs: Any) -> GenerationRequest:
        """A chat request of one user message, after an optional system prompt; `kwargs` are the
        other request fields."""
        messages = [Message("system", system)] if system else []
        messages.append(Message("user", text))
        return GenerationRequest(messages=tuple(messages), **kwargs)

    def to_dict(self) -> dict[str, Any]:
        """The request as JSON-ready data."""
        return asdict(self)


DRAFT_SOURCE = "draft"  # a step's candidates came from the draft model
LOOKUP_SOURCE = "lookup"  # ... from prompt lookup (n-grams copied from the context)


@dataclass(frozen=True)
class StepEvent:
    """What one target step produced."""

    index: int  # 0 for the prefill step
    text: str  # text delta (may be empty while a multi-byte character is incomplete)
    token_ids: tuple[int, ...]
    draft_tokens: int  # how many of token_ids the draft supplied (and the target accepted)
    timestamp: float  # time.monotonic() when the step arrived
    # Runs over the characters of `text`: (length, came from a draft token). Text can lag
    # its tokens (an incomplete character, a possible stop string), so tinting follows
    # these runs rather than token boundaries.
    spans: tuple[tuple[int, bool], ...] = ()
    # Where the step's accepted candidates came from: the draft model (DRAFT_SOURCE) or
    # prompt lookup, n-grams copied from the context (LOOKUP_SOURCE).
    source: str = DRAFT_SOURCE



class StepSink(Protocol):
    """Receives each StepEvent of a generation as it happens (on the generating thread)."""
    def __call__(self, event: StepEvent) -> None: ...


@dataclass
class RunStats:
    """What one generation measured: timings, token counts and, when speculating, what the draft
    supplied."""
    mode: str
    device: str
    draft_device: str | None
    load_time_s: float
    input_tokens: int
    generated_tokens: int
    ttft_ms: float
    tpot_ms: float
    throughput_tps: float
    wall_time_s: float
    target_steps: int
    drafted_tokens: int | None
    accepted_tokens: int | None
    rejected_tokens: int | None
    acceptance_rate: float | None
    block_efficiency: float
    accepted_histogram: dict[int, int] = field(default_factory=dict)
    draft_time_ms: float | None = None
    target_time_ms: float | None = None
    finish_reason: str = FinishReason.LENGTH.value
    num_assistant_tokens: int | None = None
    confidence_threshold: float | None = None
    # Where drafted/accepted came from when not counted here (a remote server's report,
    # or "not reported"); None for local runs, which count every step themselves.
    acceptance_source: str | None = None
    # Chat turns left out so that the history fits the context (context_fit.py), and the
    # context's size in tokens (None when unknown).
    dropped_turns: int = 0
    context_length: int | None = None
    # Back-off (GenerationRequest.back_off): target steps run without candidates because
    # drafting did not pay on this answer (the first, yardstick step not counted).
    paused_steps: int = 0

    def to_dict(self) -> dict[str, Any]:
        """The statistics as JSON-ready data (what a saved answer holds); `from_dict` reads it
        back."""
        data = asdict(self)
        data["accepted_histogram"] = {str(k): v for k, v in self.accepted_histogram.items()}
        return data

    @staticmethod
    def from_dict(data: dict[str, Any]) -> RunStats:
        """Statistics from `to_dict`'s data; unknown keys are ignored."""
        values = dict(data)
        values["accepted_histogram"] = {
            int(k): int(v) for k, v in values.get("accepted_histogram", {}).items()}
        known = set(RunStats.__dataclass_fields__)
        return RunStats(**{k: v for k, v in values.items() if k in known})

    def summary(self) -> str:
        """The one line shown under an answer."""
        parts = [f"{self.throughput_tps:.1f} tok/s", f"{self.generated_tokens} tokens"]
        if self.acceptance_rate is not None:
            approximate = "approximate" in (self.acceptance_source or "")
            parts.append(f"{self.acceptance_rate * 100:.0f}% of draft tokens accepted"
                         + (" (approximate)" if approximate else ""))
        elif self.acceptance_source == "not reported":
            parts.append("speculation on the server; acceptance not reported")
        if self.mode != Mode.PLAIN.value and self.acceptance_source != "not reported":
            parts.append(f"{self.block_efficiency:.1f} tokens per target step")
        if self.paused_steps:
            parts.append(f"drafting paused on {self.paused_steps} of {self.target_steps} "
                         "steps (it did not pay)")
        return " · ".join(parts)


@dataclass(frozen=True)
class GenerationResult:
    """A finished generation: the text, its statistics, its token ids and every step event."""
    text: str
    stats: RunStats
    token_ids: tuple[int, ...]
    steps: tuple[StepEvent, ...]
    # The library's own figures where it reports them (for cross-checks and exports).
    library: dict[str, float] = field(default_factory=dict)
