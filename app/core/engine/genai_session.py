"""The OpenVINO GenAI backend: plain, draft-model and prompt-lookup decoding.

A session owns one `LLMPipeline` for as long as the pair is loaded. Create, use and close
it on one thread (the UI's generation worker, or the CLI's main thread).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from typing import Any

import openvino_genai

from app.core.engine.errors import (
    GenerationFailedError,
    InsufficientMemoryError,
    PromptTooLongError,
    TandemError,
)
from app.core.engine.gil_holds import holding_gil
from app.core.engine.model_cache import cache_properties
from app.core.engine.model_folder import context_length, runtime_properties, stop_token_ids
from app.core.engine.pair import PairSpec
from app.core.engine.precision import EXACT_KV_CACHE, KV_CACHE_PRECISION
from app.core.engine.preflight import preflight
from app.core.engine.sampled_draft import as_draft_result, load_sampler, runs_on_loop
from app.core.engine.session import Session
from app.core.engine.stats import Timing, build_stats
from app.core.engine.streamer import BurstStreamer
from app.core.engine.types import (
    DRAFT_SOURCE,
    LOOKUP_SOURCE,
    FinishReason,
    GenerationRequest,
    GenerationResult,
    Mode,
    StepSink,
)
from app.core.engine.validation import check_npu_prompt, validate_request
from app.core.engine.warmup import warm_up


def _load_error(exc: RuntimeError, spec: PairSpec) -> TandemError:
    text = str(exc)
    lowered = text.lower()
    if "memory" in lowered or "bad_alloc" in lowered:
        return InsufficientMemoryError(
            "There was not enough memory to load the pair.",
            "Close other programs, or choose a smaller pair or int4 weights.")
    first_line = text.strip().splitlines()[0] if text.strip() else type(exc).__name__
    return GenerationFailedError(
        f"OpenVINO could not load {spec.label()} on {spec.device}: {first_line}",
        "Check the model folder with `tandem models verify`, or try the CPU.")


def _generation_error(exc: RuntimeError) -> GenerationFailedError:
    text = str(exc).strip()
    first_line = (text.splitlines() or [type(exc).__name__])[0]
    return GenerationFailedError(f"Generation failed: {first_line[:300]}",
                                 "Try again; if it repeats, reload the pair.")


def _step_medians(extended: Any) -> dict[str, float]:
    """Median per-forward times (ms) of the target's verification steps and the draft's
    forwards; the benchmark derives its cost ratios from them. The library's raw
    durations are in microseconds and the first target duration is the prefill."""
    import statistics

    found: dict[str, float] = {}
    main = list(extended.main_model_metrics.raw_metrics.m_durations)[1:]
    draft = list(extended.draft_model_metrics.raw_metrics.m_durations)
    if main:
        found["target_step_ms"] = statistics.median(main) / 1000
    if draft:
        found["draft_forward_ms"] = statistics.median(draft) / 1000
    return found


ATTENTION_BACKEND = "ATTENTION_BACKEND"


class GenAISession:
    """A pair on OpenVINO GenAI's pipeline: the target alone, with a same-tokenizer draft, or with
    prompt lookup. Sampling with a draft runs Tandem's loop instead, with one copy of the target
    loaded at a time."""
    backend_name = "openvino-genai"

    def __init__(self, spec: PairSpec) -> None:
        preflight(spec)
        self.spec = spec
        self.mode = spec.resolved_mode
        started = time.monotonic()
        try:
            self._pipe = self._build_pipeline(spec)
        except RuntimeError as exc:
            raise _load_error(exc, spec) from exc
        self.load_time_s = time.monotonic() - started
        self._stateful = self.mode is Mode.PLAIN and \
            self._build_properties(spec).get(ATTENTION_BACKEND) == "SDPA"
        self.tokenizer = self._pipe.get_tokenizer()
        self.context_length = context_length(spec.target)
        self._defaults = self._pipe.get_generation_config()
        # The pipeline's config reports -1 with a draft; the tokenizer knows the real id.
        self.eos_token_id = int(self._defaults.eos_token_id)
        if self.eos_token_id < 0:
            self.eos_token_id = int(self.tokenizer.get_eos_token_id())
        self.stop_token_ids = stop_token_ids(spec.target) | {self.eos_token_id}
        # Sampling with a draft runs Tandem's loop (`sampled_draft`); it holds the models
        # while the pipeline is released, and the other way round.
        self._sampler: Session | None = None
        self._warming = False
        self.warmup_s = self._warm_up()

    def _warm_up(self) -> float | None:
        """The warm-up answer (warmup.py): a prefill of a few tokens and WARMUP_TOKENS
        decode steps, milliseconds on the demo pair."""
        if self.spec.on_npu or self._warming:
            return None  # NPU pipelines compile their static shapes at load already
        self._warming = True  # a rebuild inside the warm-up does not warm up again
        try:
            return warm_up(self.generate)
        finally:
            self._warming = False

    @staticmethod
    def _build_properties(spec: PairSpec) -> dict[str, Any]:
        props: dict[str, Any] = {**runtime_properties(spec.target), **spec.load_properties()}
        if spec.resolved_mode is Mode.PLAIN and spec.device.split(".")[0] == "CPU":
            # GenAI 2026.4 runs plain decoding on its paged-attention (continuous-batching)
            # backend by default; plain here uses the stateful SDPA pipeline, the baseline
            # the project's real-model figures name. On a quiet 2-core machine the two were
            # within 3% on the real Qwen2.5-Coder-1.5B int4 target (84 vs 86 ms a token);
            # the demo target runs 0.81 vs 0.63 ms. Speculation and prompt lookup need the
            # paged backend; plain does not.
            props.setdefault(ATTENTION_BACKEND, "SDPA")
        elif spec.device.split(".")[0] == "CPU":
            # Speculation and prompt lookup run on paged attention, whose CPU cache defaults
            # to u8; plain's stateful cache holds f16. On an f32 CPU (AVX-512, no bf16) the
            # u8 cache parted the speculative text from plain's at clear margins (0.12-0.23)
            # on 4 of 22 real prompts; an f16 cache made them equal, at no measured cost
            # (README, "Exact mode"). A caller's own KV_CACHE_PRECISION still wins.
            props.setdefault(KV_CACHE_PRECISION, EXACT_KV_CACHE)
        return props

    @classmethod
    def _build_pipeline(cls, spec: PairSpec) -> Any:
        target = str(spec.target)
        props = {**cls._build_properties(spec), **cache_properties(spec.cache_dir, spec.device)}
        if spec.resolved_mode is Mode.DRAFT:
            assert spec.draft is not None  # preflight checked
            draft_props = {**runtime_properties(spec.draft), **spec.load_properties(),
                           **cache_properties(spec.cache_dir, spec.resolved_draft_device)}
            # A draft object cannot serve a second pipeline: always build a fresh one.
            with holding_gil("openvino_genai.draft_model"):
                draft = openvino_genai.draft_model(str(spec.draft),
                                                   spec.resolved_draft_device, **draft_props)
            return openvino_genai.LLMPipeline(target, spec.device, draft_model=draft, **props)
        if spec.resolved_mode is Mode.PROMPT_LOOKUP:
            return openvino_genai.LLMPipeline(target, spec.device, prompt_lookup=True, **props)
        return openvino_genai.LLMPipeline(target, spec.device, **props)

    # -- inputs -----------------------------------------------------------------------

    def _inputs(self, request: GenerationRequest) -> tuple[Any, int]:
        """The pipeline input for a request, and its length in tokens."""
        inputs, ids = self._inputs_and_ids(request)
        return inputs, int(ids.get_shape()[-1])

    def _inputs_and_ids(self, request: GenerationRequest) -> tuple[Any, Any]:
        if request.messages:
            history = openvino_genai.ChatHistory(
                [{"role": m.role, "content": m.content} for m in request.messages])
            templated = self.tokenizer.apply_chat_template(history, add_generation_prompt=True)
            encoded = self.tokenizer.encode(templated, add_special_tokens=False)
            if self._stateful:
                # The stateful pipeline enters a chat mode on a ChatHistory and then refuses
                # a raw prompt ("Chat doesn't support switching between input types"):
                # give it the templated tokens instead, the same ids.
                return encoded, encoded.input_ids
            return history, encoded.input_ids
        assert request.prompt is not None
        return [request.prompt], self.tokenizer.encode(request.prompt).input_ids

    def prompt_token_ids(self, request: GenerationRequest) -> list[int]:
        """The prompt's token ids as the pipeline reads them (templated for chat)."""
        return [int(t) for t in self._inputs_and_ids(request)[1].data[0]]

    def count_input_tokens(self, request: GenerationRequest) -> int:
        """How many tokens the request's prompt is, chat template applied."""
        return self._inputs(request)[1]

    def _config(self, request: GenerationRequest, max_new_tokens: int) -> Any:
        config = openvino_genai.GenerationConfig()
        config.eos_token_id = self.eos_token_id
        config.stop_token_ids = set(self.stop_token_ids)
        config.max_new_tokens = max_new_tokens
        config.apply_chat_template = bool(request.messages)
        config.do_sample = request.do_sample
        if request.do_sample:
            config.temperature = request.temperature
            config.top_p = request.top_p
            config.top_k = request.top_k if request.top_k > 0 else 0
            if request.seed is not None:
                config.rng_seed = request.seed
        if self.mode is not Mode.PLAIN:
            if request.confidence_threshold is not None:
                config.assistant_confidence_threshold = request.confidence_threshold
            else:
                config.num_assistant_tokens = request.num_assistant_tokens or 0
            if self.mode is Mode.PROMPT_LOOKUP:
                config.max_ngram_size = request.max_ngram_size or 0
        return config

    # -- generation ---------------------------------------------------------------------

    def generate(self, request: GenerationRequest, sink: StepSink | None = None,
                 stop: threading.Event | None = None) -> GenerationResult:
        """Generate `request`, handing each step to `sink` on this thread; a set `stop` ends the run
        at its next step with the partial text (FinishReason.STOPPED)."""
        request = validate_request(request, self.mode, self.spec.on_npu)
        if runs_on_loop(self.mode, request):
            if self._sampler is None:
                self._pipe = None  # one copy of the target in memory at a time
                self._sampler = load_sampler(self.spec)
            return as_draft_result(self._sampler.generate(request, sink, stop))
        if self._pipe is None:  # released for the sampling loop, or after a failure
            if self._sampler is not None:
                self._sampler.close()
                self._sampler = None
            self._reload()
        inputs, input_tokens = self._inputs(request)
        if self.spec.on_npu:
            check_npu_prompt(input_tokens)
        max_new = request.max_new_tokens
        if self.context_length is not None:
            if input_tokens >= self.context_length:
                raise PromptTooLongError(
                    f"The prompt has {input_tokens} tokens; this model's context holds "
                    f"{self.context_length}.",
                    "Shorten the prompt, start a new conversation, or pick a model with a "
                    "longer context.")
            max_new = min(max_new, self.context_length - input_tokens)
        config = self._config(request, max_new)
        streamer = BurstStreamer(self._decode, sink, stop, request.stop_strings,
                                 LOOKUP_SOURCE if self.mode is Mode.PROMPT_LOOKUP
                                 else DRAFT_SOURCE)
        submitted = time.monotonic()
        try:
            result = self._pipe.generate(inputs, config, streamer)
        except RuntimeError as exc:
            if self.mode is Mode.DRAFT:
                # Seen with 2026.4.1: after a failed speculative run the pipeline still
                # answers but never accepts a draft token again. Rebuild it, releasing
                # the old one first so that memory never holds two targets.
                self._pipe = None
                if not self._warming:  # a failed warm-up leaves the rebuild to the next run
                    self._reload(exc)
            raise _generation_error(exc) from exc
        if streamer.error is not None:
            raise GenerationFailedError(f"Streaming failed: {streamer.error}",
                                        "This is a bug in Tandem; please report it.") \
                from streamer.error
        streamer.finish()
        finished = time.monotonic()
        return self._result(request, streamer, result, submitted, finished, input_tokens,
                            max_new)

    def _reload(self, failure: BaseException | None = None) -> None:
        """Build the pipeline again (the old one is already released), and warm it up as a
        load does: the next answer's TTFT must not pay for the new pipeline's first run."""
        try:
            self._pipe = self._build_pipeline(self.spec)
        except RuntimeError as exc:
            self._pipe = None
            raise GenerationFailedError(
                f"The pair could not be reloaded: {exc}", "Reload the pair.") \
                from (failure or exc)
        self.warmup_s = self._warm_up()

    def _decode(self, ids: Sequence[int]) -> str:
        return str(self.tokenizer.decode(list(ids), skip_special_tokens=True))

    def _finish_reason(self, streamer: BurstStreamer, result: Any, produced: int,
                       max_new: int) -> FinishReason:
        if streamer.stop_string_hit:
            return FinishReason.STOP_STRING
        if streamer.stopped_by_user:
            return FinishReason.STOPPED
        ids = streamer.token_ids
        if ids and ids[-1] in self.stop_token_ids:
            return FinishReason.END_OF_SEQUENCE
        reasons = list(getattr(result, "finish_reasons", []) or [])
        if reasons and reasons[0] == openvino_genai.GenerationFinishReason.LENGTH:
            return FinishReason.LENGTH
        if produced >= max_new:
            return FinishReason.LENGTH
        return FinishReason.END_OF_SEQUENCE

    def _result(self, request: GenerationRequest, streamer: BurstStreamer, result: Any,
                submitted: float, finished: float, input_tokens: int,
                max_new: int) -> GenerationResult:
        extended = result.extended_perf_metrics if self.mode is Mode.DRAFT else None
        library_drafted = draft_ms = target_ms = None
        library: dict[str, float] = {}
        if extended:
            library = {"accepted": int(extended.get_num_accepted_tokens()),
                       "drafted": int(extended.get_num_draft_tokens()),
                       "target_steps": len(extended.main_model_metrics.raw_metrics.m_durations)}
            library.update(_step_medians(extended))
            library_drafted = int(extended.get_num_draft_tokens())
            draft_ms = float(extended.draft_model_metrics.get_inference_duration().mean)
            target_ms = float(extended.main_model_metrics.get_inference_duration().mean)
        stats = build_stats(
            mode=self.mode, device=self.spec.device,
            draft_device=self.spec.resolved_draft_device, steps=streamer.steps,
            timing=Timing(submitted, finished, self.load_time_s), input_tokens=input_tokens,
            finish=self._finish_reason(streamer, result, len(streamer.token_ids), max_new),
            k=request.num_assistant_tokens if request.confidence_threshold is None else None,
            confidence=request.confidence_threshold, max_new_tokens=max_new,
            library_drafted=library_drafted, draft_time_ms=draft_ms, target_time_ms=target_ms)
        return GenerationResult(text=streamer.text, stats=stats,
                                token_ids=tuple(streamer.token_ids),
                                steps=tuple(streamer.steps), library=library)

    def close(self) -> None:
        """Release the pipeline and the sampling loop, if loaded."""
        self._pipe = None
        if self._sampler is not None:
            self._sampler.close()
            self._sampler = None
