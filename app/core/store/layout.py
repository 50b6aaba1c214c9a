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
import signal
import uuid
from pathlib import Path
from typing import Any

import psutil

from app import paths
from app.core.atomic_file import fsync_dir, fsync_file

MANIFEST = "tandem-manifest.json"
STAGING = ".staging"
PAIRS = "pairs"


def root() -> Path:
    """The store's folder (models/ under the user data folder)."""
    return paths.models_dir()


def repo_slug(repo: str) -> str:
    """The folder name of a Hugging Face repo id (owner--name)."""
    return repo.replace("/", "--")


def safe_name(text: str) -> str:
    """`text` as a short file-name-safe string, never empty."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-.")[:60] or "model"


def local_slug(folder: Path) -> str:
    """The folder name for a local model folder: its name and a hash of its full path, so two
    folders of one name do not collide."""
    resolved = str(folder.resolve())
    name = safe_name(folder.resolve().name)
    return f"local--{name}-{hashlib.sha256(resolved.encode()).hexdigest()[:8]}"


def model_dir(key: str) -> Path:
    """A side's folder from its key "<slug>/<variant>"."""
    return root() / key


def pairs_dir() -> Path:
    """The folder of the pair records."""
    return root() / PAIRS


def staging_root() -> Path:
    """The folder where sides are built before they are renamed into place."""
    return root() / STAGING


def new_staging(label: str) -> Path:
    """A fresh, empty staging folder for `label`, owned by this process."""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "-", label)[:60]
    folder = staging_root() / f"{safe}.{os.getpid()}.{uuid.uuid4().hex[:8]}"
    folder.mkdir(parents=True)
    return folder


def _owner_alive(pid: int | None) -> bool:
    return pid is not None and pid != os.getpid() and psutil.pid_exists(pid)


def clean_stale_staging() -> list[Path]:
    """Remove staging folders whose process is gone (killed mid-download or mid-conversion)
    and finish installs that a crash cut between their two renames."""
    removed: list[Path] = []
    base = staging_root()
    if base.is_dir():
        for folder in base.iterdir():
            parts = folder.name.split(".")
            pid = int(parts[-2]) if len(parts) >= 3 and parts[-2].isdigit() else None
            if _owner_alive(pid) or pid == os.getpid():
                continue  # another live job, or this process's own work
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed + _recover_old_copies()


_OLD = re.compile(r"^(?P<name>.+)\.old-(?:(?P<pid>\d+)-)?[0-9a-f]{8}$")


def _recover_old_copies() -> list[Path]:
    """`install` moves the installed copy to `<variant>.old-<pid>-<hex>`, renames the new
    one into place, then deletes the old one. After a crash between the renames the old
    copy goes back into place (the new one was still in staging); after a crash before
    the deletion it is deleted. Either way no multi-GB `.old-*` folder is left behind."""
    removed: list[Path] = []
    base = root()
    if not base.is_dir():
        return removed
    for slug in base.iterdir():
        if slug.name in (STAGING, PAIRS) or not slug.is_dir():
            continue
        for old in slug.iterdir():
            match = _OLD.match(old.name)
            pid = int(match["pid"]) if match is not None and match["pid"] else None
            if match is None or _owner_alive(pid) or pid == os.getpid():
                continue
            final = old.with_name(match["name"])
            if final.exists():
                shutil.rmtree(old, ignore_errors=True)
            else:
                os.replace(old, final)
                fsync_dir(slug)
            removed.append(old)
    return removed


def sync_tree(folder: Path) -> None:
    """fsync every file, then every folder (deepest first), under `folder`."""
    folders = [folder]
    for path in folder.rglob("*"):
        if path.is_dir():
            folders.append(path)
        elif path.is_file():
            fsync_file(path)
    for sub in sorted(folders, key=lambda p: -len(p.parts)):
        fsync_dir(sub)


CRASH_HOOK = "TANDEM_TEST_CRASH_IN_INSTALL"  # tests: "between" or "after" the renames


def _crash_point(where: str) -> None:
    if os.environ.get(CRASH_HOOK) == where:
        if hasattr(signal, "SIGKILL"):
            os.kill(os.getpid(), signal.SIGKILL)
        os._exit(137)


def install(staging: Path, final: Path) -> None:
    """Rename a complete staging folder into place, replacing any older copy.

    Everything in it is fsynced first (files, then folders), and each rename is made
    durable by fsyncing the folder it happened in: after a power loss the store holds
    the old copy or the new one, whole. A crash between the two renames is repaired by
    `clean_stale_staging`."""
    final.parent.mkdir(parents=True, exist_ok=True)
    sync_tree(staging)
    old: Path | None = None
    if final.exists():
        old = final.with_name(f"{final.name}.old-{os.getpid()}-{uuid.uuid4().hex[:8]}")
        os.replace(final, old)
        fsync_dir(final.parent)
        _crash_point("between")
    os.replace(staging, final)
    fsync_dir(final.parent)
    fsync_dir(staging.parent)
    if old is not None:
        _crash_point("after")
        shutil.rmtree(old, ignore_errors=True)


def write_json_atomic(path: Path, data: Any) -> None:
    """Write `data` as sorted, indented JSON so that a reader sees the old file or the new one, and
    the new one survives a power loss."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    with tmp.open("w", encoding="utf-8") as handle:
        handle.write(json.dumps(data, indent=2, sort_keys=True) + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
    fsync_dir(path.parent)


def folder_bytes(folder: Path) -> int:
    """The bytes of the files under `folder` now. A job may be deleting a staging folder
    meanwhile: files and folders that vanish during the walk count as 0, never raise."""
    total = 0
    for root, _dirs, files in os.walk(folder):  # os.walk ignores folders that vanish
        for name in files:
            try:
                total += (Path(root) / name).stat().st_size
            except OSError:
                continue  # removed between the listing and the stat
    return total
