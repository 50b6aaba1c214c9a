"""The GenerationRequest that `tandem generate`'s options ask for, local or remote."""

from __future__ import annotations

import argparse

from app.core.engine import GenerationRequest, Mode
from app.core.engine.errors import InvalidSettingsError


def request_from_args(args: argparse.Namespace, mode: Mode) -> GenerationRequest:
    """The request `generate`'s sampling, stop and prompt options describe, for a run in
    `mode` (a plain run drafts nothing). Raises InvalidSettingsError for --system with --raw."""
    common = dict(
        max_new_tokens=args.max_new_tokens,
        do_sample=args.temperature is not None,
        temperature=args.temperature if args.temperature is not None else 1.0,
        top_p=args.top_p, top_k=args.top_k, seed=args.seed,
        stop_strings=tuple(args.stop),
        num_assistant_tokens=args.k if mode is not Mode.PLAIN else None,
        confidence_threshold=args.confidence,
        max_ngram_size=args.prompt_lookup if args.prompt_lookup is not None
        else getattr(args, "hybrid", None),
    )
    if args.prompt_lookup is not None and args.k is None:
        common["num_assistant_tokens"] = None
    if args.raw:
        if args.system:
            raise InvalidSettingsError("--system needs a chat prompt.", "Drop --raw or --system.")
        return GenerationRequest(prompt=args.prompt, **common)
    return GenerationRequest.chat(args.prompt, system=args.system, **common)
