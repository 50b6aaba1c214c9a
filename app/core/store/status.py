"""Every pair the app knows of, catalog or stored, with its state: for lists and pickers."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from app.core.catalog import Catalog, load_catalog
from app.core.store import records
from app.core.store.verify import readiness

UNIVERSAL_FLAG = "universal draft (different tokenizers; runs in Tandem's own loop)"


@dataclass(frozen=True)
class PairStatus:
    id: str
    name: str
    status: str  # "ready", "ready (bundled)", "not pulled", or why a stored pair is not ready
    origin: str  # "catalog" or "added"
    universal: bool
    gated: bool
    tasks: tuple[str, ...] = ()
    download_gb: float | None = None
    ram_gb: float | None = None

    @property
    def ready(self) -> bool:
        return self.status.startswith("ready")

    @property
    def flags(self) -> list[str]:
        return [f for f, on in (("gated", self.gated), (UNIVERSAL_FLAG, self.universal)) if on]

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "tasks": list(self.tasks), "flags": self.flags,
                "ready": self.ready}


def pair_statuses(catalog: Catalog | None = None) -> list[PairStatus]:
    """Catalog pairs in catalog order, then pairs added by the user."""
    catalog = catalog or load_catalog()
    stored = {r.id: r for r in records.all_records()}
    found: list[PairStatus] = []
    for entry in catalog.pairs:
        record = stored.pop(entry.id, None)
        if record is not None:
            why = readiness(record)
            status, universal = ("ready" if why is None else why), record.universal
        else:
            status = "ready (bundled)" if entry.bundled else "not pulled"
            universal = entry.universal
        found.append(PairStatus(entry.id, entry.name, status, "catalog", universal,
                                entry.gated and record is None, entry.tasks,
                                entry.download_gb, entry.ram_gb))
    for record in stored.values():
        why = readiness(record)
        found.append(PairStatus(record.id, record.name, "ready" if why is None else why,
                                record.origin, record.universal, False))
    return found
