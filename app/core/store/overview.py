"""What the window's Models page shows: catalog rows and local pairs, as plain data."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from app.core.catalog import Catalog, CatalogPair, ModelSource, load_catalog
from app.core.store import layout, records
from app.core.store.convert import conversion_available
from app.core.store.hub import hub_settings
from app.core.store.preflight import Fit, alternative, ram_fit, sides_to_convert
from app.core.store.status import pair_statuses
from app.core.store.verify import readiness

READY, PARTIAL, FAILED = "ready", "partial", "failed verify"


def side_format(source: ModelSource) -> str:
    """How one side is obtained, as the Models tab shows it (e.g. "OV int4", "checkpoint →
    int8")."""
    if source.needs_conversion:
        return f"checkpoint → {source.weights}"
    return f"OV {source.weights}"


@dataclass(frozen=True)
class CatalogRow:
    """A catalog pair as the Models tab shows it: status here, memory fit, licence and what pulling
    it would take."""
    pair: CatalogPair
    status: str  # from pair_statuses: "ready", "not pulled", ...
    fit: Fit
    licence_url: str
    convert_sides: tuple[str, ...]  # sides a pull would convert now
    can_convert: bool
    alternative: CatalogPair | None

    @property
    def licences(self) -> str:
        """The two sides' licences, once each, separated by " / "."""
        names = dict.fromkeys((self.pair.target.license, self.pair.draft.license))
        return " / ".join(names)

    @property
    def conversion(self) -> str:
        """Whether and where the pair gets converted, in a few words for the user."""
        if self.pair.bundled:
            return "ships with Tandem"
        if not (self.pair.target.needs_conversion or self.pair.draft.needs_conversion):
            return "pre-converted"
        if not self.convert_sides:
            return "converted already"
        sides = "both" if len(self.convert_sides) == 2 else self.convert_sides[0]
        if self.can_convert:
            return f"converts {sides} here"
        return f"this install can't convert ({sides})"

    @property
    def pullable(self) -> bool:
        """Whether Pull can fetch this pair on this install (bundled pairs need none)."""
        return not self.pair.bundled and (self.can_convert or not self.convert_sides)


@dataclass(frozen=True)
class LocalRow:
    """A pair stored on this PC as the Models tab shows it: state, why it is not ready, size and
    folder."""
    id: str
    name: str
    state: str  # READY, PARTIAL or FAILED
    why: str  # readiness's words, "" when ready
    size_bytes: int
    location: Path
    origin: str
    universal: bool
    tokenizers: str


def _licence_url(entry: CatalogPair) -> str:
    gated = next((s for s in (entry.target, entry.draft) if s.gated), entry.target)
    return f"{hub_settings().endpoint}/{gated.repo}"


def catalog_rows(catalog: Catalog | None = None) -> list[CatalogRow]:
    """One row per catalog pair (the installed catalog by default), in catalog order."""
    catalog = catalog or load_catalog()
    statuses = {s.id: s.status for s in pair_statuses(catalog)}
    rows = []
    for entry in catalog.pairs:
        can = conversion_available(gguf="gguf" in (entry.target.format, entry.draft.format))
        rows.append(CatalogRow(entry, statuses.get(entry.id, "not pulled"),
                               ram_fit(entry.ram_gb), _licence_url(entry),
                               tuple(sides_to_convert(entry)), can,
                               alternative(entry, catalog)))
    return rows


def local_rows() -> list[LocalRow]:
    """One row per stored pair record, with its readiness checked now."""
    rows = []
    for record in records.all_records():
        why = readiness(record) or ""
        state = READY if not why else PARTIAL if "incomplete" in why else FAILED
        folders = {layout.model_dir(record.target), layout.model_dir(record.draft)}
        rows.append(LocalRow(record.id, record.name, state, why,
                             sum(layout.folder_bytes(f) for f in folders),
                             layout.model_dir(record.target).parent.parent, record.origin,
                             record.universal, record.tokenizers))
    return rows


def tasks_in_order(rows: list[CatalogRow]) -> list[str]:
    """The tasks of `rows`' pairs, each once, in the order they first appear."""
    found: list[str] = []
    for row in rows:
        for task in row.pair.tasks:
            if task not in found:
                found.append(task)
    return found
