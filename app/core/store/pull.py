"""Pair-level store operations: pull a catalog pair, add any two models, remove, sizes."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path

from app.core.catalog import Catalog, ModelSource, load_catalog, valid_repo_id
from app.core.engine.errors import InvalidSettingsError
from app.core.store import align, layout, records
from app.core.store.events import CancelToken, HubAccessError, ProgressSink, StoreError
from app.core.store.gguf_file import check_importable, read_gguf
from app.core.store.hub import fetch_file, hub_settings
from app.core.store.job_lock import LOCKS, pair_lock
from app.core.store.preflight import check_can_convert
from app.core.store.records import PairRecord
from app.core.store.sides import (
    PreparedSide,
    SideSource,
    local_format,
    prepare,
    remove_unused,
)
from app.core.store.verify import VerifyResult, verify

DEFAULT_TARGET_WEIGHTS = "int4"
# Measured on the real Qwen2.5-Coder pair (benchmarks/results/real/results.md): the int4
# 0.5B draft costs 0.33 of a target step against 0.49 for int8, for a few points of
# acceptance (90% against 96% on code), and wins at every K <= 4 (1.31x against 1.03x at
# K=3 on code). Pairs stored with an int8 draft keep it: a record names its folders, so
# nothing is reconverted until the pair is pulled again.
DEFAULT_DRAFT_WEIGHTS = "int4"


def _side(source: ModelSource, role: str) -> SideSource:
    return SideSource(role=role, repo=source.repo, revision=source.revision,
                      format=source.format, weights=source.weights, patterns=source.files,
                      gguf_file=source.file or None)


def _record(pair_id: str, name: str, target: PreparedSide, draft: PreparedSide,
            origin: str, default_k: int | None, expected_universal: bool) -> PairRecord:
    alignment = draft.alignment or align.Alignment(align.DIFFERENT, ("not compared",))
    notes: list[str] = list(alignment.packaging)
    if alignment.universal and not expected_universal:
        notes.append("the tokenizers differ although the pair was expected to share one: "
                     "incompatible for same-tokenizer speculation, usable only as a "
                     "universal draft")
    return PairRecord(id=pair_id, name=name, target=target.key, draft=draft.key,
                      tokenizers=alignment.status, origin=origin, default_k=default_k,
                      differences=alignment.differences, notes=tuple(notes))


def _build(pair_id: str, name: str, target: SideSource, draft: SideSource, origin: str,
           default_k: int | None, universal: bool, sink: ProgressSink,
           cancel: CancelToken, load: bool) -> VerifyResult:
    with pair_lock(pair_id):
        layout.clean_stale_staging()
        t_side = prepare(target, sink, cancel)
        # A universal pair keeps the draft's own tokenizer; any other is compared and
        # aligned.
        d_side = prepare(draft, sink, cancel, align_to=t_side.folder)
        record = _record(pair_id, name, t_side, d_side, origin, default_k, universal)
        records.save(record)
        return verify(pair_id, sink, cancel, load=load)


def pull(pair_id: str, sink: ProgressSink, cancel: CancelToken,
         catalog: Catalog | None = None, load: bool = True) -> VerifyResult:
    """Download (and convert where needed) a catalog pair, align, verify."""
    catalog = catalog or load_catalog()
    entry = catalog.find(pair_id)
    if entry is None:
        known = ", ".join(p.id for p in catalog.pairs)
        raise InvalidSettingsError(f"The catalog has no pair called {pair_id!r}.",
                                   f"Catalog pairs: {known}.")
    # Before anything downloads: a side that needs converting, on an install that cannot.
    check_can_convert(entry, catalog)
    try:
        return _build(entry.id, entry.name, _side(entry.target, "target"),
                      _side(entry.draft, "draft"), "catalog", entry.default_k,
                      entry.universal, sink, cancel, load)
    except HubAccessError as exc:
        if entry.bundled:
            raise HubAccessError(exc.message, exc.hint + " The demo pair ships with "
                                 "Tandem and is always ready without pulling; its "
                                 "checkpoints are served only by the test hub.") from exc
        raise


def _source(text: str, role: str, weights: str | None) -> SideSource:
    path = Path(text).expanduser()
    if path.is_dir():
        return SideSource(role=role, path=path, weights=weights)
    if path.is_file():
        # A clear message for a file that is not a GGUF, or not a whole model.
        check_importable(read_gguf(path, arrays=False))
        return SideSource(role=role, path=path, format="gguf", weights=weights)
    if valid_repo_id(text):
        return SideSource(role=role, repo=text, weights=weights)
    raise InvalidSettingsError(
        f"{text!r} is neither a folder, a .gguf file nor a Hugging Face repo id "
        "(owner/name).",
        "Give a local folder (OpenVINO IR or a checkpoint), a GGUF file or a repo id.")


def check_add_input(text: str, role: str) -> None:
    """Refuse at once what `add` would refuse later: a file that is not a whole GGUF, a
    folder with no model."""
    if not text:
        raise InvalidSettingsError(f"Give the {role}: a model folder, a GGUF file or a Hub "
                                   "repo id.", "OpenVINO IR or a Hugging Face checkpoint "
                                   "folder, or a .gguf file.")
    source = _source(text, role, None)
    if source.path is not None and source.format != "gguf":
        local_format(source.path)


def _architectures(source: SideSource) -> list[str]:
    if source.format == "gguf" and source.path is not None:
        return [read_gguf(source.path, arrays=False).architecture]
    try:
        config = (source.path / "config.json") if source.path else \
            fetch_file(source.repo or "", "config.json", source.revision)
        data = json.loads(config.read_text(encoding="utf-8"))
    except (OSError, ValueError, HubAccessError):
        return []
    names = [str(data.get("model_type", ""))]
    names += [str(a) for a in data.get("architectures") or []]
    return [n for n in names if n]


def suggest_draft(target: str, catalog: Catalog | None = None) -> tuple[str, str]:
    """The catalog's default draft for a target: (repo, the architecture that chose it)."""
    catalog = catalog or load_catalog()
    names = _architectures(_source(target, "target", None))
    repo = catalog.suggest_draft(*names)
    if repo is None:
        raise InvalidSettingsError(
            f"There is no default draft for {target} "
            f"(architecture: {', '.join(names) or 'unknown'}).",
            "Give one with --draft; the catalog's draft_rules cover "
            f"{', '.join(sorted(catalog.draft_rules)) or 'nothing'}.")
    return repo, names[0] if names else "?"


def add(target: str, draft: str, name: str | None, sink: ProgressSink, cancel: CancelToken,
        target_weights: str | None = None, draft_weights: str | None = None,
        load: bool = True) -> VerifyResult:
    """Make a pair from any two models: folders (IR or checkpoints), GGUF files or repo
    ids."""
    t_src = _with_defaults(_source(target, "target", target_weights), DEFAULT_TARGET_WEIGHTS)
    d_src = _with_defaults(_source(draft, "draft", draft_weights), DEFAULT_DRAFT_WEIGHTS)
    display = name or f"{t_src.label} + {d_src.label}"
    pair_id = records.slugify(name or f"{Path(t_src.label).name}+{Path(d_src.label).name}")
    return _build(pair_id, display, t_src, d_src, "added", 3, False, sink, cancel, load)


def _with_defaults(source: SideSource, default: str) -> SideSource:
    """Checkpoints are converted to `default` unless told; OpenVINO IR is taken as it is."""
    if source.path is not None and (source.path / "openvino_model.xml").is_file():
        return replace(source, weights=None)
    return replace(source, convert_default=default)


def remove(pair_id: str) -> list[str]:
    """Forget a pair and delete the folders no other pair uses. Returns deleted keys."""
    with pair_lock(pair_id):  # never under a pull of the same pair
        record = records.load(pair_id)
        if record is None:
            raise StoreError(f"No pair called {pair_id!r} is in the store.",
                             "`tandem models list` shows what is there.")
        records.delete(pair_id)
        keep = {k for r in records.all_records() for k in (r.target, r.draft)}
        return remove_unused({record.target, record.draft}, keep)


def freed_by_remove(pair_id: str) -> int:
    """Bytes that removing the pair would free: its folders that no other pair uses."""
    record = records.load(pair_id)
    if record is None:
        return 0
    keep = {k for r in records.all_records() if r.id != pair_id for k in (r.target, r.draft)}
    return sum(layout.folder_bytes(layout.model_dir(k))
               for k in {record.target, record.draft} - keep)


@dataclass(frozen=True)
class DiskUse:
    """What the store and the Hugging Face cache take on disk, per model folder with the pairs using
    it."""
    folders: list[tuple[str, int, list[str]]]  # key, bytes, pairs using it
    staging_bytes: int
    total_bytes: int
    hf_cache: Path
    hf_cache_bytes: int


def disk_use() -> DiskUse:
    """The disk used now by the store's folders, its staging area and the Hugging Face cache."""
    root = layout.root()
    users: dict[str, list[str]] = {}
    for record in records.all_records():
        users.setdefault(record.target, []).append(record.id)
        users.setdefault(record.draft, []).append(record.id)
    folders = []
    if root.is_dir():
        for slug in sorted(p for p in root.iterdir() if p.is_dir()
                           and p.name not in (layout.STAGING, layout.PAIRS, LOCKS)):
            for variant in sorted(p for p in slug.iterdir() if p.is_dir()):
                key = f"{slug.name}/{variant.name}"
                folders.append((key, layout.folder_bytes(variant), users.get(key, [])))
    cache = hub_settings().cache_dir
    return DiskUse(folders, layout.folder_bytes(layout.staging_root()),
                   layout.folder_bytes(root), cache, layout.folder_bytes(cache))

