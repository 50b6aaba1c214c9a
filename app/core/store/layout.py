"""Where the store keeps things under `paths.models_dir()`.

    models/<owner>--<name>/<variant>/   one model side: OpenVINO IR + tandem-manifest.json
    models/local--<name>-<hash>/<variant>/   a side added from a local folder
    models/pairs/<pair-id>.json         a pair: which two folders, compatibility, verification
    models/.staging/<job>/              work in progress, renamed into place when complete

<variant> is the weight format ("int4", "int8", "fp16", "fp32"); a draft that uses its
target's tokenizer gets "<format>-tok<hash>" so the aligned copy never overwrites another.
A folder without a valid manifest is not a model.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import uuid
from pathlib import Path
from typing import Any

import psutil

from app import paths

MANIFEST = "tandem-manifest.json"
STAGING = ".staging"
PAIRS = "pairs"


def root() -> Path:
    return paths.models_dir()


def repo_slug(repo: str) -> str:
    return repo.replace("/", "--")


def safe_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-.")[:60] or "model"


def local_slug(folder: Path) -> str:
    resolved = str(folder.resolve())
    name = safe_name(folder.resolve().name)
    return f"local--{name}-{hashlib.sha256(resolved.encode()).hexdigest()[:8]}"


def model_dir(key: str) -> Path:
    """A side's folder from its key "<slug>/<variant>"."""
    return root() / key


def pairs_dir() -> Path:
    return root() / PAIRS


def staging_root() -> Path:
    return root() / STAGING


def new_staging(label: str) -> Path:
    safe = re.sub(r"[^A-Za-z0-9._-]+", "-", label)[:60]
    folder = staging_root() / f"{safe}.{os.getpid()}.{uuid.uuid4().hex[:8]}"
    folder.mkdir(parents=True)
    return folder


def clean_stale_staging() -> list[Path]:
    """Remove staging folders whose process is gone (killed mid-download or mid-conversion)."""
    removed: list[Path] = []
    base = staging_root()
    if not base.is_dir():
        return removed
    for folder in base.iterdir():
        parts = folder.name.split(".")
        pid = int(parts[-2]) if len(parts) >= 3 and parts[-2].isdigit() else None
        if pid is not None and pid != os.getpid() and psutil.pid_exists(pid):
            continue
        if pid == os.getpid():
            continue  # this process's own work (another job in the same app)
        shutil.rmtree(folder, ignore_errors=True)
        removed.append(folder)
    return removed


def install(staging: Path, final: Path) -> None:
    """Rename a complete staging folder into place, replacing any older copy."""
    final.parent.mkdir(parents=True, exist_ok=True)
    old: Path | None = None
    if final.exists():
        old = final.with_name(f"{final.name}.old-{uuid.uuid4().hex[:8]}")
        os.replace(final, old)
    os.replace(staging, final)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def write_json_atomic(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    tmp.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def folder_bytes(folder: Path) -> int:
    if not folder.exists():
        return 0
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
