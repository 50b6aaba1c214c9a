"""Ready pairs: what the window's pair selector and `--pair` can load.

The demo pair ships with Tandem and is always ready. Pairs pulled or added through the
store are ready when both sides are verified and compatible (see the store modules).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from app import paths
from app.core.engine.errors import InvalidSettingsError
from app.core.engine.pair import PairSpec
from app.core.engine.types import Mode
from app.core.store.records import PairRecord

DEMO_ID = "demo"


@dataclass(frozen=True)
class ReadyPair:
    """A pair that can be loaded now: its id, name, folders and default K."""
    id: str
    name: str
    target: Path
    draft: Path | None
    universal: bool = False  # the draft has another tokenizer
    default_k: int | None = 3


def demo_pair() -> ReadyPair:
    """The offline demo pair that ships with Tandem."""
    demo = paths.demo_dir()
    return ReadyPair(DEMO_ID, "Tandem demo pair (offline)", demo / "target", demo / "draft")


def _from_record(record: PairRecord) -> ReadyPair:
    from app.core.store.layout import model_dir

    return ReadyPair(record.id, record.name, model_dir(record.target), model_dir(record.draft),
                     universal=record.universal, default_k=record.default_k)


def store_ready_pairs() -> list[ReadyPair]:
    """Pairs pulled or added through the store whose both sides are verified and intact."""
    from app.core.store import records
    from app.core.store.verify import is_ready

    return [_from_record(r) for r in records.all_records() if is_ready(r)]


def list_ready_pairs() -> list[ReadyPair]:
    """Every pair that can be loaded now, the demo pair first.

    A pulled copy of the demo pair replaces the bundled one under the same id. Pairs whose
    draft has another tokenizer are listed with `universal=True`.
    """
    stored = store_ready_pairs()
    demo = next((p for p in stored if p.id == DEMO_ID), None) or demo_pair()
    return [demo, *(p for p in stored if p.id != DEMO_ID)]


def find_ready_pair(pair_id: str) -> ReadyPair:
    """The ready pair with this id; raises InvalidSettingsError naming the ready ones when there is
    none."""
    for pair in list_ready_pairs():
        if pair.id == pair_id:
            return pair
    known = ", ".join(p.id for p in list_ready_pairs())
    raise InvalidSettingsError(f"No ready pair is called {pair_id!r} (ready: {known}).",
                               "Pull it first with `tandem models pull`, or check the id "
                               "with `tandem models list`.")


def ready_pair_spec(pair_id: str, device: str = "CPU",
                    draft_device: str | None = None) -> PairSpec:
    """What to load for the ready pair with this id on these devices (a universal pair runs Tandem's
    loop)."""
    pair = find_ready_pair(pair_id)
    # A draft with another tokenizer runs in Tandem's own loop (universal draft).
    mode = Mode.UNIVERSAL if pair.universal and pair.draft is not None else None
    return PairSpec(target=pair.target, draft=pair.draft, device=device,
                    draft_device=draft_device, mode=mode, name=pair.name)
