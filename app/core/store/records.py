"""Pair records: models/pairs/<id>.json names a pair's two folders and its state."""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from app.core.store import layout


@dataclass(frozen=True)
class PairRecord:
    """A stored pair (models/pairs/<id>.json): its two sides' folders, how their tokenizers relate,
    and what verification found."""
    id: str
    name: str
    target: str  # "<slug>/<variant>" under models/
    draft: str
    tokenizers: str  # "same", "aligned" or "different" (see align.py)
    origin: str = "catalog"  # "catalog" or "added"
    default_k: int | None = 3
    differences: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    # Set by a successful verify: the manifests' digests then, and when.
    verified: dict[str, str] = field(default_factory=dict)

    @property
    def universal(self) -> bool:
        """Whether the draft has another tokenizer, so the pair runs Tandem's universal loop."""
        return self.tokenizers == "different"

    def to_json(self) -> dict[str, Any]:
        """The record as its file holds it; `from_json` reads it back."""
        data = asdict(self)
        data["differences"] = list(self.differences)
        data["notes"] = list(self.notes)
        return data

    @staticmethod
    def from_json(data: dict[str, Any]) -> PairRecord:
        """A record from `to_json`'s data; raises KeyError when a required field is missing."""
        return PairRecord(
            id=str(data["id"]), name=str(data["name"]), target=str(data["target"]),
            draft=str(data["draft"]), tokenizers=str(data["tokenizers"]),
            origin=str(data.get("origin", "catalog")),
            default_k=data.get("default_k"),
            differences=tuple(data.get("differences", ())),
            notes=tuple(data.get("notes", ())),
            verified=dict(data.get("verified") or {}))

    def with_verified(self, verified: dict[str, str]) -> PairRecord:
        """The same record with new verification results."""
        return replace(self, verified=verified)


def record_path(pair_id: str) -> Path:
    """The file of the pair with this id."""
    return layout.pairs_dir() / f"{pair_id}.json"


def save(record: PairRecord) -> None:
    """Write the record atomically."""
    layout.write_json_atomic(record_path(record.id), record.to_json())


def load(pair_id: str) -> PairRecord | None:
    """The stored record with this id, or None when it is missing or unreadable."""
    try:
        return PairRecord.from_json(json.loads(record_path(pair_id).read_text("utf-8")))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def all_records() -> list[PairRecord]:
    """Every readable pair record, by id; unreadable files are left out."""
    folder = layout.pairs_dir()
    if not folder.is_dir():
        return []
    found = (load(p.stem) for p in sorted(folder.glob("*.json")))
    return [r for r in found if r is not None]


def delete(pair_id: str) -> bool:
    """Remove the pair's record; True when there was one."""
    path = record_path(pair_id)
    if path.is_file():
        path.unlink()
        return True
    return False


def slugify(text: str) -> str:
    """A pair id made from `text`: lowercase letters, digits, '.', '-' and '_', at most 64
    characters, never empty."""
    slug = re.sub(r"[^a-z0-9._-]+", "-", text.lower()).strip("-._")
    return slug[:64].rstrip("-._") or "pair"
