"""One side of a pair: fetch or read it, convert it if needed, align its tokenizer, install.

All work happens in a staging folder; the manifest is written last, inside it, and the
folder is then renamed into place. An interrupted job (cancel, crash, SIGKILL) leaves only
a staging folder, which is never a model and is cleaned up by the next job.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.core.engine.errors import InvalidSettingsError
from app.core.engine.model_folder import check_model_folder
from app.core.store import align, gguf_import, layout
from app.core.store.convert import WEIGHT_FILES, run_conversion
from app.core.store.events import CancelToken, Progress, ProgressSink
from app.core.store.hub import fetch
from app.core.store.manifest import Manifest, quick_check, read_manifest, write_manifest


@dataclass(frozen=True)
class SideSource:
    """Where one side of a pair comes from (a Hub repo or a local folder) and what it should
    become."""
    role: str  # "target" or "draft"
    repo: str | None = None  # a Hugging Face repo id, or
    path: Path | None = None  # a local folder
    revision: str = "main"
    format: str = "auto"  # "ov", "hf", "gguf" or "auto" (decided from the files)
    weights: str | None = None  # conversion target; for "ov", what it holds if known
    patterns: tuple[str, ...] = ()
    convert_default: str = "int8"  # the conversion target when `weights` is not given
    gguf_file: str | None = None  # format "gguf" from a repo: the file in it

    @property
    def label(self) -> str:
        """The source as the user names it: repo id (with its GGUF file) or folder name."""
        if self.repo:
            return f"{self.repo}/{self.gguf_file}" if self.gguf_file else self.repo
        return self.path.name if self.path else "?"

    @property
    def slug(self) -> str:
        """The store folder name of this source."""
        if self.repo:
            if self.gguf_file:  # a repo often holds several quantizations
                stem = Path(self.gguf_file).name.removesuffix(".gguf")
                return layout.repo_slug(self.repo) + "--" + layout.safe_name(stem)
            return layout.repo_slug(self.repo)
        assert self.path is not None
        return layout.local_slug(self.path)

    def variant(self, fmt: str) -> str:
        """The store sub-folder name for a source in format `fmt`: its weights, or "ov" for IR of
        unknown weights."""
        if fmt in ("hf", "gguf"):
            return self.weights or self.convert_default
        return self.weights or "ov"

    def describe(self, commit: str | None = None) -> dict[str, Any]:
        """Where the side came from, as its manifest records it (a local folder with its
        fingerprint)."""
        if self.repo:
            found = {"kind": "hub", "repo": self.repo, "revision": self.revision,
                     "commit": commit}
            return {**found, "file": self.gguf_file} if self.gguf_file else found
        assert self.path is not None
        return {"kind": "local", "path": str(self.path.resolve()),
                "fingerprint": folder_fingerprint(self.path)}


SMALL_FILE = 16 * 2**20  # files up to this size are fingerprinted by content


def folder_fingerprint(folder: Path) -> str:
    """What a local folder holds, cheaply: the content hash of every small file (configs,
    tokenizers) and the size and modification time of every large one (weights). A
    stored conversion is reused only while this is unchanged (issue 13 item 6). A GGUF
    source is a single file, fingerprinted the same way."""
    digest = hashlib.sha256()
    if folder.is_file():
        st = folder.stat()
        digest.update(f"{folder.name}\0{st.st_size}\0{st.st_mtime_ns}".encode())
        return digest.hexdigest()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        rel = path.relative_to(folder)
        if any(part.startswith(".") for part in rel.parts):
            continue  # caches and editor files, not the model
        st = path.stat()
        digest.update(f"{rel.as_posix()}\0{st.st_size}\0".encode())
        if st.st_size <= SMALL_FILE:
            digest.update(path.read_bytes())
        else:
            digest.update(str(st.st_mtime_ns).encode())
    return digest.hexdigest()


@dataclass(frozen=True)
class PreparedSide:
    """One side in the store, ready to use: its key, folder, manifest and tokenizer alignment."""
    key: str  # "<slug>/<variant>" under models/
    folder: Path
    manifest: Manifest
    alignment: align.Alignment | None = None
    reused: bool = False


def local_format(folder: Path) -> str:
    """"ov" for an OpenVINO IR folder, "hf" for a checkpoint; raises InvalidSettingsError for
    anything else."""
    if (folder / "openvino_model.xml").is_file():
        return "ov"
    if (folder / "config.json").is_file() and any(folder.glob(p) for p in WEIGHT_FILES):
        return "hf"
    raise InvalidSettingsError(
        f"{folder} holds neither an OpenVINO model (openvino_model.xml) nor a Hugging Face "
        "checkpoint (config.json and weights).",
        "Give a folder with one of them, or a Hugging Face repo id.")


def _matches(manifest: Manifest, source: SideSource) -> bool:
    found = manifest.source
    if source.repo:
        return found.get("repo") == source.repo and found.get("revision") == \
            source.revision and found.get("file") == source.gguf_file
    if source.path is None or found.get("path") != str(source.path.resolve()):
        return False
    # The folder's files changed since it was stored (a fixed tokenizer, new weights):
    # convert or copy it again rather than reuse what was made from the old files.
    return found.get("fingerprint") == folder_fingerprint(source.path)


def _existing(key: str, source: SideSource) -> PreparedSide | None:
    folder = layout.model_dir(key)
    manifest = read_manifest(folder)
    if manifest is None or not _matches(manifest, source) or quick_check(folder, manifest):
        return None
    return PreparedSide(key, folder, manifest, reused=True)


def _link_or_copy(src: Path, dst: Path, link: bool) -> None:
    dst.parent.mkdir(parents=True, exist_ok=True)
    real = Path(os.path.realpath(src))
    if link:
        # Hugging Face cache blobs and store files are never rewritten in place, so a hard
        # link (same disk) saves a second copy of a multi-GB file.
        try:
            os.link(real, dst)
            return
        except OSError:
            pass
    shutil.copy2(real, dst)


def _copy_files(src: Path, names: list[str], dst: Path, cancel: CancelToken,
                link: bool = True) -> None:
    for name in names:
        cancel.check()
        if name != layout.MANIFEST:
            _link_or_copy(src / name, dst / name, link)


def _aligned_variant(base: str, target: Path) -> str:
    return f"{base}-tok{align.tokenizer_hash(target)}"


def _reuse(source: SideSource, align_to: Path | None,
           cancel: CancelToken) -> PreparedSide | None:
    """A side already in the store, aligned to `align_to` if one is needed."""
    for fmt in (("ov", "hf") if source.format == "auto" else (source.format,)):
        base = f"{source.slug}/{source.variant(fmt)}"
        if align_to is not None:
            aligned = _existing(_aligned_variant(base, align_to), source)
            if aligned is not None:
                return PreparedSide(aligned.key, aligned.folder, aligned.manifest,
                                    align.Alignment(align.ALIGNED), reused=True)
        found = _existing(base, source)
        if found is None:
            continue
        if align_to is None:
            return found
        alignment = align.compare(align_to, found.folder)
        if alignment.status != align.ALIGNED:
            return PreparedSide(found.key, found.folder, found.manifest, alignment, True)
        return _aligned_copy(found, align_to, alignment, cancel)
    return None


def _aligned_copy(found: PreparedSide, align_to: Path, alignment: align.Alignment,
                  cancel: CancelToken) -> PreparedSide:
    """A copy of a stored draft that uses its target's tokenizer (files linked, not copied)."""
    staging = layout.new_staging(f"aligned-{found.key.replace('/', '-')}")
    try:
        work = staging / "model"
        names = [n for n in found.manifest.files if n != layout.MANIFEST]
        _copy_files(found.folder, names, work, cancel)
        align.use_target_tokenizer(align_to, work)
        key = _aligned_variant(found.key, align_to)
        write_manifest(work, source=found.manifest.source, weights=found.manifest.weights,
                       converted=bool(found.manifest.data.get("converted")),
                       tokenizer_from=_store_relative(align_to), cancel=cancel)
        layout.install(work, layout.model_dir(key))
        folder = layout.model_dir(key)
        manifest = read_manifest(folder)
        assert manifest is not None
        return PreparedSide(key, folder, manifest, alignment, reused=True)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _store_relative(folder: Path) -> str:
    root = layout.root()
    return folder.relative_to(root).as_posix() if folder.is_relative_to(root) else str(folder)


def prepare(source: SideSource, sink: ProgressSink, cancel: CancelToken,
            align_to: Path | None = None) -> PreparedSide:
    """Make `source` a verified-shape model folder in the store and return it."""
    cancel.check()
    reused = _reuse(source, align_to, cancel)
    if reused is not None:
        sink(Progress("download", source.role, f"{source.label}: already in the store",
                      fraction=1.0))
        return reused
    staging = layout.new_staging(f"{source.role}-{source.slug}")
    try:
        if source.repo:
            patterns = (source.gguf_file,) if source.gguf_file else source.patterns
            snapshot = fetch(source.repo, source.revision, source.format, sink, cancel,
                             source.role, patterns)
            src, names = snapshot.folder, list(snapshot.files)
            described = source.describe(snapshot.commit)
            fmt = source.format if source.format != "auto" else (
                "ov" if "openvino_model.xml" in names else "hf")
            if source.gguf_file:
                src = src / source.gguf_file
        else:
            assert source.path is not None
            src = source.path
            described = source.describe()  # fingerprinted before anything is read
            fmt = source.format if source.format != "auto" else local_format(src)
            names = sorted(p.relative_to(src).as_posix() for p in src.rglob("*")
                           if p.is_file())
        work = staging / "model"
        work.mkdir()
        extra: dict[str, Any] = {}
        if fmt == "ov":
            # A user's own folder is copied: they may rewrite its files in place later.
            _copy_files(src, names, work, cancel, link=source.repo is not None)
        elif fmt == "gguf":
            extra = gguf_import.convert(src, work, source.variant(fmt), sink, cancel,
                                        source.role, source.label)
        else:
            run_conversion(src, work, source.variant(fmt), sink, cancel, source.role,
                           source.label)
        variant = source.variant(fmt)
        alignment = None
        tokenizer_from = None
        if align_to is not None:
            sink(Progress("align", source.role, "comparing the draft's tokenizer with the "
                                                "target's"))
            alignment = align.compare(align_to, work)
            if alignment.status == align.ALIGNED:
                variant = _aligned_variant(variant, align_to)
                align.use_target_tokenizer(align_to, work)
                tokenizer_from = _store_relative(align_to)
        check_model_folder(work, source.role)
        cancel.check()
        manifest = write_manifest(work, source={**described, "format": fmt},
                                  weights=variant.split("-tok")[0], converted=fmt != "ov",
                                  tokenizer_from=tokenizer_from, cancel=cancel,
                                  extra=extra)
        key = f"{source.slug}/{variant}"
        layout.install(work, layout.model_dir(key))
        folder = layout.model_dir(key)
        return PreparedSide(key, folder, read_manifest(folder) or manifest, alignment)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def remove_unused(keys: set[str], keep: set[str]) -> list[str]:
    """Delete side folders in `keys` that no remaining pair uses."""
    removed = []
    for key in sorted(keys - keep):
        folder = layout.model_dir(key)
        if folder.is_dir():
            shutil.rmtree(folder)
            removed.append(key)
        parent = folder.parent
        if parent.is_dir() and not any(parent.iterdir()):
            parent.rmdir()
    return removed

