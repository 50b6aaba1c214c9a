"""tandem-manifest.json: what a model folder holds, where it came from, and its hashes.

Written last, inside the staging folder, just before the folder is renamed into place,
and only after every file it lists was fsynced: a manifest on disk means the data it
describes reached the disk first. Each file also gets a "spot" hash (a few 64 KiB
samples) that the cheap readiness check compares, so a file that a power loss left
zero-filled at its full size is caught without hashing gigabytes (issue 13 item 7).
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.core.atomic_file import fsync_file
from app.core.store.events import CancelToken
from app.core.store.layout import MANIFEST, write_json_atomic

FORMAT = 1
_CHUNK = 4 * 2**20


def sha256_file(path: Path, cancel: CancelToken | None = None) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(_CHUNK):
            digest.update(chunk)
            if cancel is not None:
                cancel.check()
    return digest.hexdigest()


SPOT_BYTES = 64 * 1024


def spot_hash(path: Path) -> str:
    """sha256 of the first, middle and last 64 KiB: cheap, and no zero-filled or
    truncated-then-extended file matches it unless those bytes were zeros anyway."""
    size = path.stat().st_size
    digest = hashlib.sha256(str(size).encode())
    with path.open("rb") as f:
        for offset in sorted({0, max(0, size // 2 - SPOT_BYTES // 2),
                              max(0, size - SPOT_BYTES)}):
            f.seek(offset)
            digest.update(f.read(SPOT_BYTES))
    return digest.hexdigest()


@dataclass(frozen=True)
class Manifest:
    data: dict[str, Any]
    digest: str  # sha256 of the manifest file itself: what a pair records as verified

    @property
    def files(self) -> dict[str, dict[str, Any]]:
        return dict(self.data.get("files", {}))

    @property
    def weights(self) -> str:
        return str(self.data.get("weights", ""))

    @property
    def source(self) -> dict[str, Any]:
        return dict(self.data.get("source", {}))

    @property
    def total_bytes(self) -> int:
        return sum(int(f.get("size", 0)) for f in self.files.values())


def write_manifest(folder: Path, *, source: dict[str, Any], weights: str, converted: bool,
                   tokenizer_from: str | None = None, cancel: CancelToken | None = None,
                   extra: dict[str, Any] | None = None) -> Manifest:
    files = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and p.name != MANIFEST):
        rel = path.relative_to(folder).as_posix()
        files[rel] = {"size": path.stat().st_size, "sha256": sha256_file(path, cancel),
                      "spot": spot_hash(path)}
        fsync_file(path)  # the data is on disk before the manifest that vouches for it
    data: dict[str, Any] = {
        "format": FORMAT, "source": source, "weights": weights, "converted": converted,
        "tokenizer_from": tokenizer_from, "files": files,
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), **(extra or {}),
    }
    write_json_atomic(folder / MANIFEST, data)
    return read_manifest(folder)  # type: ignore[return-value]


def read_manifest(folder: Path) -> Manifest | None:
    """The folder's manifest, or None when it has none or it is unreadable."""
    path = folder / MANIFEST
    try:
        raw = path.read_bytes()
        data = json.loads(raw)
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("format") != FORMAT \
            or not isinstance(data.get("files"), dict):
        return None
    return Manifest(data, hashlib.sha256(raw).hexdigest())


def quick_check(folder: Path, manifest: Manifest) -> list[str]:
    """Cheap problems (missing files, wrong sizes, spot samples that differ), without
    hashing whole files."""
    problems = []
    for rel, info in manifest.files.items():
        path = folder / rel
        if not path.is_file():
            problems.append(f"{rel} is missing")
        elif path.stat().st_size != int(info.get("size", -1)):
            problems.append(f"{rel} has {path.stat().st_size:,} bytes, "
                            f"expected {int(info.get('size', -1)):,}")
        elif "spot" in info and spot_hash(path) != info["spot"]:
            problems.append(f"{rel} does not match its recorded contents (spot check)")
    return problems


def hash_check(folder: Path, manifest: Manifest, cancel: CancelToken | None = None) -> list[str]:
    """Every file re-hashed against the manifest."""
    problems = quick_check(folder, manifest)
    if problems:
        return problems
    for rel, info in manifest.files.items():
        if sha256_file(folder / rel, cancel) != info.get("sha256"):
            problems.append(f"{rel} does not match its recorded sha256")
    return problems
