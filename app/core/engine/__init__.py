"""The engine: load a pair, generate with step events, report RunStats."""

from __future__ import annotations

from app.core.engine.errors import TandemError
from app.core.engine.pair import PairSpec
from app.core.engine.types import (
    DRAFT_SOURCE,
    LOOKUP_SOURCE,
    FinishReason,
    GenerationRequest,
    GenerationResult,
    Message,
    Mode,
    RunStats,
    StepEvent,
)

__all__ = [
    "DRAFT_SOURCE", "LOOKUP_SOURCE", "FinishReason", "GenerationRequest", "GenerationResult",
    "Message", "Mode", "PairSpec", "RunStats", "StepEvent", "TandemError", "load_session",
]


def load_session(spec: PairSpec) -> Session:
    """Load a pair with the backend that fits it.

    Mode.UNIVERSAL (a draft with another tokenizer) runs Tandem's own loop; every other
    mode runs OpenVINO GenAI, which refuses a draft whose tokenizer differs (use
    `universal.speculative_mode(target, draft)` to pick the mode for a pair). A spec with
    an `endpoint` runs on that saved remote server."""
    if spec.endpoint:
        from app.core.engine.remote import open_endpoint

        return open_endpoint(spec)
    if spec.routes:
        from app.core.engine.routed_session import RoutedSession

        return RoutedSession(spec, load_session)
    if spec.sampled and spec.resolved_mode is Mode.DRAFT:
        from app.core.engine.sampled_draft import SampledDraftSession

        return SampledDraftSession(spec)
    if spec.resolved_mode is Mode.UNIVERSAL:
        from app.core.engine.universal import UniversalSession

        return UniversalSession(spec)
    from app.core.engine.genai_session import GenAISession

    return GenAISession(spec)


from app.core.engine.session import Session  # noqa: E402
