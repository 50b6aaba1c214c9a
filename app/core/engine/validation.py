"""Refuse impossible settings before a run, with a sentence that names what to change."""

from __future__ import annotations

from dataclasses import replace

from app.core.engine.errors import InvalidSettingsError
from app.core.engine.types import GenerationRequest, Mode

DEFAULT_K = 3
DEFAULT_NGRAM = 3
MAX_K = 32
NPU_MAX_PROMPT = 1024


def validate_request(request: GenerationRequest, mode: Mode, on_npu: bool) -> GenerationRequest:
    """Return the request with defaults filled in, or raise InvalidSettingsError."""
    if (request.prompt is None) == (not request.messages):
        raise InvalidSettingsError(
            "A request needs either chat messages or a raw prompt, not both or neither.",
            "Pass the text once, as a chat turn or as a prompt.")
    if request.prompt is not None and not request.prompt.strip():
        raise InvalidSettingsError("The prompt is empty.", "Type something to complete.")
    if request.max_new_tokens < 1:
        raise InvalidSettingsError(
            f"max_new_tokens is {request.max_new_tokens}; it must be at least 1.",
            "Set max new tokens to a positive number, for example 128.")
    if request.num_assistant_tokens is not None and request.confidence_threshold is not None:
        raise InvalidSettingsError(
            "K (draft tokens per step) and a confidence threshold cannot both be set.",
            "Choose one: a fixed K, or a confidence threshold that lets the draft decide.")
    _check_sampling(request)
    if mode is Mode.PLAIN:
        if request.confidence_threshold is not None or request.max_ngram_size is not None:
            raise InvalidSettingsError(
                "A confidence threshold or an n-gram size needs speculative decoding.",
                "Load the pair with its draft, or choose prompt lookup.")
        return replace(request, num_assistant_tokens=None)
    if mode is Mode.PROMPT_LOOKUP:
        if request.confidence_threshold is not None:
            raise InvalidSettingsError(
                "Prompt lookup does not use a confidence threshold.",
                "Set K (tokens to look up per step) instead.")
        request = replace(
            request,
            num_assistant_tokens=request.num_assistant_tokens or DEFAULT_K,
            max_ngram_size=request.max_ngram_size or DEFAULT_NGRAM)
    else:
        if request.max_ngram_size is not None and mode is not Mode.UNIVERSAL:
            raise InvalidSettingsError(
                "An n-gram size applies to prompt lookup, not to a draft model.",
                "Remove the n-gram size, or load the target with prompt lookup.")
        if request.confidence_threshold is None and request.num_assistant_tokens is None:
            request = replace(request, num_assistant_tokens=DEFAULT_K)
    _check_speculation(request)
    if on_npu:
        _check_npu(request)
    return request


def _check_sampling(request: GenerationRequest) -> None:
    if not request.do_sample:
        return
    if request.temperature <= 0:
        raise InvalidSettingsError(
            f"Temperature {request.temperature} is not positive.",
            "Use a temperature above 0, or switch to greedy decoding.")
    if not 0 < request.top_p <= 1:
        raise InvalidSettingsError(f"top_p {request.top_p} is outside (0, 1].",
                                   "Use a top_p between 0 and 1, for example 0.9.")
    if request.top_k < 0:
        raise InvalidSettingsError(f"top_k {request.top_k} is negative.",
                                   "Use 0 to turn top_k off, or a positive number.")


def _check_speculation(request: GenerationRequest) -> None:
    k = request.num_assistant_tokens
    if k is not None and not 1 <= k <= MAX_K:
        raise InvalidSettingsError(
            f"K = {k} is outside 1..{MAX_K}.",
            f"Use a K between 1 and {MAX_K} (2 to 5 is typical); `tandem tune` finds the best.")
    c = request.confidence_threshold
    if c is not None and not 0 < c < 1:
        raise InvalidSettingsError(f"Confidence threshold {c} is outside (0, 1).",
                                   "Use a threshold such as 0.4.")
    n = request.max_ngram_size
    if n is not None and not 1 <= n <= 16:
        raise InvalidSettingsError(f"n-gram size {n} is outside 1..16.", "Use 2 to 4.")


def _check_npu(request: GenerationRequest) -> None:
    if request.do_sample:
        raise InvalidSettingsError(
            "Speculative decoding on an NPU is greedy only.",
            "Turn sampling off, or move both models to the CPU or GPU.")
    if request.confidence_threshold is not None:
        raise InvalidSettingsError(
            "The NPU path does not support a confidence threshold.",
            "Use a fixed K, or move both models to the CPU or GPU.")


def check_npu_prompt(input_tokens: int) -> None:
    if input_tokens > NPU_MAX_PROMPT:
        raise InvalidSettingsError(
            f"The prompt has {input_tokens} tokens; the NPU path accepts at most "
            f"{NPU_MAX_PROMPT}.",
            "Shorten the prompt or the conversation, or run on the CPU or GPU.")
