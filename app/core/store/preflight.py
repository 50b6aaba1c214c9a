"""Before a pull: can this install convert, what instead, and does the pair fit in memory.

The installer's frozen app has no torch, so it cannot convert checkpoints. A catalog pair
with a side that needs converting is refused before anything downloads, naming a
pre-converted pair that does the same tasks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import psutil

from app.core.catalog import Catalog, CatalogPair, ModelSource
from app.core.store import layout
from app.core.store.convert import conversion_available
from app.core.store.events import ConversionError
from app.core.store.manifest import read_manifest

GB = 2**30
FITS, TIGHT, WONT_FIT = "fits", "tight", "won't fit"


def preconverted(entry: CatalogPair) -> bool:
    return not (entry.target.needs_conversion or entry.draft.needs_conversion)


def _side_in_store(source: ModelSource) -> bool:
    """A converted copy of this side is already in the store (no conversion needed)."""
    slug = layout.model_dir(layout.repo_slug(source.repo))
    if not slug.is_dir():
        return False
    for folder in slug.iterdir():
        manifest = read_manifest(folder)
        if manifest is not None and manifest.source.get("repo") == source.repo \
                and manifest.source.get("revision") == source.revision:
            return True
    return False


def sides_to_convert(entry: CatalogPair) -> list[str]:
    """The sides of a catalog pair a pull would convert now (not already in the store)."""
    return [role for role, src in (("target", entry.target), ("draft", entry.draft))
            if src.needs_conversion and not _side_in_store(src)]


def alternative(entry: CatalogPair, catalog: Catalog) -> CatalogPair | None:
    """A pre-converted catalog pair for the same tasks: same family first, then smallest."""
    found_family = re.match(r"[a-z]+", entry.name.lower())
    family = found_family.group(0) if found_family else ""
    found = [p for p in catalog.pairs if p.id != entry.id and preconverted(p)
             and not p.bundled and set(p.tasks) & set(entry.tasks)]
    found.sort(key=lambda p: (not p.name.lower().startswith(family), p.download_gb))
    return found[0] if found else None


def check_can_convert(entry: CatalogPair, catalog: Catalog,
                      available: bool | None = None) -> None:
    """Refuse, before any download, a pull this install cannot finish."""
    gguf = "gguf" in (entry.target.format, entry.draft.format)
    can = conversion_available(gguf=gguf) if available is None else available
    if can or entry.bundled:
        return
    sides = sides_to_convert(entry)
    if not sides:
        return
    other = alternative(entry, catalog)
    instead = (f" Pull {other.id} ({other.name}, {other.download_gb:.1f} GB) instead: it "
               "is already converted to OpenVINO.") if other else ""
    raise ConversionError(
        f"{entry.name} needs its {' and '.join(sides)} converted to OpenVINO, and this "
        "installation has no conversion tools (torch, optimum-intel). Nothing was "
        "downloaded.",
        "Pick a pair marked \"ready to run\" (pre-converted)." + instead
        + " Or run Tandem from source with the `convert` extra.")


@dataclass(frozen=True)
class Fit:
    verdict: str  # FITS, TIGHT or WONT_FIT
    needed_gb: float
    free_gb: float
    total_gb: float

    def describe(self) -> str:
        return (f"{self.verdict}: needs {self.needed_gb:.1f} GB, "
                f"{self.free_gb:.1f} GB free of {self.total_gb:.1f} GB")


def ram_fit(needed_gb: float, free_bytes: int | None = None,
            total_bytes: int | None = None) -> Fit:
    """"fits" with a fifth to spare, "tight" when programs must close, else "won't fit"."""
    memory = psutil.virtual_memory() if free_bytes is None or total_bytes is None else None
    free = free_bytes if free_bytes is not None else memory.available  # type: ignore[union-attr]
    total = total_bytes if total_bytes is not None else memory.total  # type: ignore[union-attr]
    needed = needed_gb * GB
    verdict = FITS if needed <= 0.8 * free else TIGHT if needed <= 0.9 * total else WONT_FIT
    return Fit(verdict, needed_gb, free / GB, total / GB)
