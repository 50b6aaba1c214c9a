"""The universal backend: a draft with any tokenizer, verified by the target, on OpenVINO.

OpenVINO GenAI refuses a draft whose tokenizer differs from the target's. Here both
models run with the raw runtime and Tandem's own loop (`loop.py`) works per target step:
the draft reads the committed text in its vocabulary and drafts; its text is encoded in
the target's vocabulary; one target pass verifies the candidates (`verify.py`). Greedy
output equals plain greedy; sampling keeps the target's distribution exactly.

Events, stop strings and statistics go through the same `BurstStreamer` and
`build_stats` as the GenAI backend, so the window, the race and the bench see no
difference except the backend's name.
"""

from __future__ import annotations

import threading
import time
from dataclasses import replace

import openvino_genai

from app.core.engine.errors import GenerationFailedError, InvalidSettingsError, PromptTooLongError
from app.core.engine.model_cache import cache_properties
from app.core.engine.model_folder import (
    check_model_folder,
    context_length,
    runtime_properties,
    stop_token_ids,
)
from app.core.engine.pair import PairSpec
from app.core.engine.preflight import check_devices, check_memory
from app.core.engine.stats import Timing, build_stats
from app.core.engine.streamer import BurstStreamer
from app.core.engine.types import (
    FinishReason,
    GenerationRequest,
    GenerationResult,
    Mode,
    StepSink,
)
from app.core.engine.universal.draft_side import DraftSide
from app.core.engine.universal.loop import LoopReport, run_loop
from app.core.engine.universal.runner import StatefulModel
from app.core.engine.universal.shared_draft import SharedDraftSide, shares_vocabulary
from app.core.engine.universal.vocab import TokenBytes
from app.core.engine.validation import validate_request
from app.core.engine.warmup import warm_up

DISPLAY_NAME = "universal draft"


def _preflight(spec: PairSpec) -> None:
    if spec.draft is None:
        raise InvalidSettingsError("A universal draft needs a draft model.",
                                   "Add a draft folder, or choose plain decoding.")
    as_draft = replace(spec, mode=Mode.DRAFT)  # the same device and memory checks
    check_devices(as_draft)
    for device in (spec.device, spec.resolved_draft_device):
        if device.split(".")[0] == "NPU":
            raise InvalidSettingsError(
                "A universal draft cannot run on the NPU (it needs a cache that can be "
                "rolled back, which the NPU's static models do not have).",
                "Put both models on the CPU or GPU.")
    check_model_folder(spec.target, "target")
    check_model_folder(spec.draft, "draft")
    check_memory(spec)


class UniversalSession:
    """A target with a draft of another tokenizer, on Tandem's own verification loop over the raw
    OpenVINO runtime: the text is the target's greedy text, or its distribution when sampling."""
    backend_name = "universal"
    display_name = DISPLAY_NAME

    def __init__(self, spec: PairSpec) -> None:
        _preflight(spec)
        assert spec.draft is not None
        self.spec = spec
        self.mode = Mode.UNIVERSAL
        started = time.monotonic()
        # The folders' own runtime wishes (the demo pair pins f32), then the caller's.
        props = {**runtime_properties(spec.target), **spec.load_properties(),
                 **cache_properties(spec.cache_dir, spec.device)}
        draft_props = {**runtime_properties(spec.draft), **spec.load_properties(),
                       **cache_properties(spec.cache_dir, spec.resolved_draft_device)}
        self.target = StatefulModel(spec.target, spec.device, props, "target")
        self.target_vocab = TokenBytes(spec.target)
        self.target_vocab.cover(self.target.vocab_size)
        draft_model = StatefulModel(spec.draft, spec.resolved_draft_device, draft_props,
                                    "draft")
        draft_vocab = TokenBytes(spec.draft)
        draft_vocab.cover(draft_model.vocab_size)
        # A draft with the target's vocabulary drafts in token ids; any other in bytes.
        self.shared_vocabulary = shares_vocabulary(self.target_vocab, draft_vocab)
        side = SharedDraftSide if self.shared_vocabulary else DraftSide
        self.draft: DraftSide | SharedDraftSide = side(draft_model, draft_vocab,
                                                       context_length(spec.draft))
        self.load_time_s = time.monotonic() - started
        self.tokenizer = self.target_vocab.tokenizer
        self.eos_token_id = self.target_vocab.eos_id
        # Every end id the target lists ends the answer, as in the GenAI backend.
        self.stop_token_ids = frozenset(stop_token_ids(spec.target) | {self.eos_token_id})
        self.context_length = context_length(spec.target)
        # As GenAI pipelines do (warmup.py): the first answer's prefill and steps must not
        # pay for the runtime's first calls at those shapes.
        self.warmup_s = warm_up(self.generate)

    # -- inputs -----------------------------------------------------------------------

    def _prompt_text(self, request: GenerationRequest) -> tuple[str, bool]:
        """The text the target reads, and whether special tokens are added on encoding
        (mirrors the GenAI backend: chat is templated, a raw prompt is encoded as is)."""
        if request.messages:
            history = openvino_genai.ChatHistory(
                [{"role": m.role, "content": m.content} for m in request.messages])
            return str(self.tokenizer.apply_chat_template(
                history, add_generation_prompt=True)), False
        assert request.prompt is not None
        return request.prompt, True

    def count_input_tokens(self, request: GenerationRequest) -> int:
        """How many target tokens the request's prompt is."""
        text, special = self._prompt_text(request)
        return len(self.target_vocab.encode_prompt(text, special))

    # -- generation ---------------------------------------------------------------------

    def generate(self, request: GenerationRequest, sink: StepSink | None = None,
                 stop: threading.Event | None = None) -> GenerationResult:
        """Generate `request`, handing each step to `sink` on this thread; a set `stop` ends the run
        at its next step with the partial text (FinishReason.STOPPED)."""
        request = validate_request(request, self.mode, False)
        text, special = self._prompt_text(request)
        target_prompt = self.target_vocab.encode_prompt(text, special)
        draft_prompt = target_prompt if self.shared_vocabulary else \
            self.draft.vocab.encode_prompt(text, special)
        max_new = request.max_new_tokens
        if self.context_length is not None:
            if len(target_prompt) >= self.context_length:
                raise PromptTooLongError(
                    f"The prompt has {len(target_prompt)} tokens; this model's context holds "
                    f"{self.context_length}.",
                    "Shorten the prompt, start a new conversation, or pick a model with a "
                    "longer context.")
            max_new = min(max_new, self.context_length - len(target_prompt))
        request = replace(request, max_new_tokens=max_new)
        streamer = BurstStreamer(self.target_vocab.decode, sink, stop, request.stop_strings)
        submitted = time.monotonic()
        report = run_loop(self.target, self.target_vocab, self.draft, request, target_prompt,
                          draft_prompt, streamer, self.stop_token_ids)
        if streamer.error is not None:
            raise GenerationFailedError(f"Streaming failed: {streamer.error}",
                                        "This is a bug in Tandem; please report it.") \
                from streamer.error
        streamer.finish()
        finished = time.monotonic()
        return self._result(request, streamer, report, submitted, finished,
                            len(target_prompt))

    def _finish_reason(self, streamer: BurstStreamer, max_new: int) -> FinishReason:
        if streamer.stop_string_hit:
            return FinishReason.STOP_STRING
        if streamer.stopped_by_user:
            return FinishReason.STOPPED
        ids = streamer.token_ids
        if ids and ids[-1] in self.stop_token_ids:
            return FinishReason.END_OF_SEQUENCE
        return FinishReason.LENGTH if len(ids) >= max_new else FinishReason.END_OF_SEQUENCE

    def _result(self, request: GenerationRequest, streamer: BurstStreamer,
                report: LoopReport, submitted: float, finished: float,
                input_tokens: int) -> GenerationResult:
        k = request.num_assistant_tokens if request.confidence_threshold is None else None
        stats = build_stats(
            mode=self.mode, device=self.spec.device,
            draft_device=self.spec.resolved_draft_device, steps=streamer.steps,
            timing=Timing(submitted, finished, self.load_time_s), input_tokens=input_tokens,
            finish=self._finish_reason(streamer, request.max_new_tokens), k=k,
            confidence=request.confidence_threshold, max_new_tokens=request.max_new_tokens,
            draft_time_ms=report.draft_ms_per_call, target_time_ms=report.target_ms_per_call)
        # build_stats counts drafted tokens for GenAI's fixed-K rule; here the loop knows.
        drafted = sum(report.drafted_per_step)
        accepted = stats.accepted_tokens or 0
        stats = replace(stats, draft_device=self.spec.resolved_draft_device,
                        drafted_tokens=drafted, rejected_tokens=drafted - accepted,
                        acceptance_rate=accepted / drafted if drafted else None,
                        paused_steps=report.paused_steps if report.pauses else 0)
        return GenerationResult(text=streamer.text, stats=stats,
                                token_ids=tuple(streamer.token_ids),
                                steps=tuple(streamer.steps), library=report.figures())

    def close(self) -> None:
        """Release both models."""
        self.target = None  # type: ignore[assignment]
        self.draft = None  # type: ignore[assignment]
