"""The draft's default weight format is int4 (issue 20 section 3, chosen by the real-pair
measurement cited in pull.py), and a pair stored with an int8 draft before the change keeps
working on its own folder: nothing is reconverted or rewritten behind the user's back."""

from __future__ import annotations

from app.core.catalog import load_catalog
from app.core.engine import GenerationRequest, load_session
from app.core.store import layout, records
from app.core.store.events import CancelToken
from app.core.store.manifest import read_manifest
from app.core.store.pairs import ready_pair_spec
from app.core.store.pull import DEFAULT_DRAFT_WEIGHTS, add
from app.core.store.status import pair_statuses
from tests.core.store.conftest import DEMO_HF, ROOT

DEMO_IR = ROOT / "resources" / "demo"


def test_drafts_convert_to_int4_unless_told_and_older_int8_pairs_keep_working() -> None:
    assert DEFAULT_DRAFT_WEIGHTS == "int4"
    catalog = load_catalog()
    # The catalog's converted drafts of 0.5B and more follow the measurement too.
    large = {p.draft.repo: p.draft.weights for p in catalog.pairs
             if p.draft.needs_conversion and any(s in p.draft.repo for s in ("0.5B", "1.1B"))}
    assert len(large) == 3 and set(large.values()) == {"int4"}

    # A pair stored when drafts became int8: it is kept as it was, and it loads.
    old = add(str(DEMO_IR / "target"), str(DEMO_HF / "draft"), "Older pair", lambda e: None,
              CancelToken(), draft_weights="int8", load=False)
    assert old.ok, old.problems
    assert old.record.draft.split("/")[1].startswith("int8")
    # The new default converts the same checkpoint to int4, into a folder of its own.
    new = add(str(DEMO_IR / "target"), str(DEMO_HF / "draft"), "Newer pair", lambda e: None,
              CancelToken(), load=False)
    assert new.ok, new.problems
    manifest = read_manifest(layout.model_dir(new.record.draft))
    assert manifest is not None and manifest.weights == "int4"

    kept = records.load("older-pair")
    assert kept is not None and kept.draft == old.record.draft
    statuses = {s.id: s.status for s in pair_statuses()}
    assert statuses["older-pair"] == "ready" and statuses["newer-pair"] == "ready"
    for pair_id, weights in (("older-pair", "int8"), ("newer-pair", "int4")):
        spec = ready_pair_spec(pair_id)
        assert spec.draft is not None and spec.draft.name.startswith(weights)
        session = load_session(spec)
        try:
            result = session.generate(GenerationRequest.chat("Hello!", max_new_tokens=8,
                                                             num_assistant_tokens=3))
        finally:
            session.close()
        assert result.stats.mode == "draft" and result.stats.generated_tokens > 0
