"""Universal speculative decoding: a draft with another tokenizer, on the raw OpenVINO runtime.

`UniversalSession` is the backend; `speculative_mode` tells which backend a pair needs.
"""

from __future__ import annotations

from app.core.engine.universal.selection import speculative_mode
from app.core.engine.universal.session import DISPLAY_NAME, UniversalSession

__all__ = ["DISPLAY_NAME", "UniversalSession", "speculative_mode"]
