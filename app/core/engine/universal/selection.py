"""Which speculative backend a target/draft pair needs."""

from __future__ import annotations

from pathlib import Path

from app.core.engine.tokenizer_check import differences, load_fingerprint
from app.core.engine.types import Mode


def speculative_mode(target: Path, draft: Path) -> Mode:
    """DRAFT (OpenVINO GenAI) when the tokenizers agree, UNIVERSAL when they differ."""
    same = not differences(load_fingerprint(target), load_fingerprint(draft))
    return Mode.DRAFT if same else Mode.UNIVERSAL
