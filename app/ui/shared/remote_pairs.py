"""The pairs saved remote endpoints become: entries of the Chat and Race pair selectors.

Each endpoint appears beside the local pairs as `remote:<id>`; choosing it loads a
RemoteSession through the ordinary load_session(spec).
"""

from __future__ import annotations

from pathlib import Path

from app.core.engine import PairSpec
from app.core.engine.errors import TandemError
from app.core.engine.remote import load_endpoints
from app.core.store.pairs import ReadyPair

REMOTE_PREFIX = "remote:"


def remote_ready_pairs() -> list[ReadyPair]:
    """Saved endpoints as entries of the pair selector (an unreadable file gives none)."""
    try:
        endpoints = load_endpoints()
    except TandemError:
        return []
    return [ReadyPair(REMOTE_PREFIX + e.id, f"{e.label()} · remote",
                      Path(e.host) / (e.model or "model"), None, default_k=None)
            for e in endpoints]


def is_remote_pair(pair: ReadyPair) -> bool:
    return pair.id.startswith(REMOTE_PREFIX)


def remote_spec(pair: ReadyPair) -> PairSpec:
    return PairSpec(target=pair.target, device=pair.target.parent.name or "remote",
                    name=pair.name, endpoint=pair.id[len(REMOTE_PREFIX):])
