"""Verification and readiness.

`verify` re-hashes every file against its manifest and loads both models; only then is
the pair recorded as verified. `is_ready` is the cheap check that the window and
`--pair` use: the pair was verified, its manifests are the ones verified, and every file
is there with its recorded size.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from app.core.engine.errors import TandemError
from app.core.engine.model_folder import check_model_folder
from app.core.store import layout, records
from app.core.store.events import CancelToken, Progress, ProgressSink, StoreError
from app.core.store.manifest import hash_check, quick_check, read_manifest
from app.core.store.records import PairRecord

ROLES = ("target", "draft")


@dataclass(frozen=True)
class VerifyResult:
    """A verification's outcome: the record as now stored and what was wrong, if anything."""
    record: PairRecord
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        """Whether nothing was wrong."""
        return not self.problems


def side_key(record: PairRecord, role: str) -> str:
    """The store key of the pair's `role` side ("target" or "draft")."""
    return record.target if role == "target" else record.draft


def _load_models(record: PairRecord) -> None:
    from app.core.engine import PairSpec, load_session

    target, draft = layout.model_dir(record.target), layout.model_dir(record.draft)
    specs = ([PairSpec(target), PairSpec(draft)] if record.universal
             else [PairSpec(target, draft, name=record.name)])
    for spec in specs:
        load_session(spec).close()


def verify(pair_id: str, sink: ProgressSink, cancel: CancelToken,
           load: bool = True) -> VerifyResult:
    """Re-hash every file of both sides against their manifests and, with `load`, load the pair; the
    record is saved as verified when nothing was wrong and as unverified otherwise. Raises
    StoreError for a pair not in the store, CancelledError on cancel."""
    record = records.load(pair_id)
    if record is None:
        raise StoreError(f"No pair called {pair_id!r} is in the store.",
                         "`tandem models list` shows what is there.")
    problems: list[str] = []
    digests: dict[str, str] = {}
    for role in ROLES:
        key = side_key(record, role)
        folder = layout.model_dir(key)
        sink(Progress("verify", role, f"checking the hashes of {key}"))
        manifest = read_manifest(folder)
        if manifest is None:
            problems.append(f"the {role} ({key}) has no valid manifest: it is incomplete")
            continue
        problems += [f"the {role}: {p}" for p in hash_check(folder, manifest, cancel)]
        try:
            check_model_folder(folder, role)
        except TandemError as exc:
            problems.append(exc.message)
        digests[role] = manifest.digest
    if not problems and load:
        sink(Progress("verify", "", "loading both models"))
        try:
            _load_models(record)
        except TandemError as exc:
            problems.append(f"loading failed: {exc.message}")
        except RuntimeError as exc:
            problems.append(f"loading failed: {str(exc).strip().splitlines()[0][:300]}")
    verified = {} if problems else {
        **digests, "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    record = record.with_verified(verified)
    records.save(record)
    sink(Progress("verify", "", "verified" if not problems else "verification failed",
                  fraction=1.0))
    return VerifyResult(record, tuple(problems))


def readiness(record: PairRecord) -> str | None:
    """None when the pair is ready; otherwise why not, in a few words."""
    if not record.verified:
        return "not verified"
    for role in ROLES:
        key = side_key(record, role)
        folder = layout.model_dir(key)
        manifest = read_manifest(folder)
        if manifest is None:
            return f"{role} incomplete"
        if manifest.digest != record.verified.get(role) or quick_check(folder, manifest):
            return f"{role} changed since verification"
    return None


def is_ready(record: PairRecord) -> bool:
    """Whether the pair is verified and its files still look intact (the quick check)."""
    return readiness(record) is None
