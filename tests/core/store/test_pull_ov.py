"""Pulling pre-converted (OpenVINO IR) repos from the test hub: no conversion needed."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.core.catalog import parse_catalog
from app.core.store import layout
from app.core.store.events import CancelToken, HubAccessError, NotEnoughResourcesError
from app.core.store.hub import check_disk
from app.core.store.pairs import find_ready_pair, store_ready_pairs
from app.core.store.pull import add, pull
from tests.core.store.conftest import ROOT
from tests.fixtures.hub_server import FakeHub

DEMO = ROOT / "resources" / "demo"
CATALOG = """
[[pair]]
id = "ov-pair"
name = "Pre-converted demo pair"
tasks = ["chat"]
default_k = 4

[pair.target]
repo = "tandem-demo/demo-target-ov"
format = "ov"
weights = "fp32"
license = "apache-2.0"
gated = {gated}

[pair.draft]
repo = "tandem-demo/demo-draft-ov"
format = "ov"
weights = "fp32"
license = "apache-2.0"
"""


@pytest.fixture
def ov_hub(hub: FakeHub) -> FakeHub:
    hub.add_repo("tandem-demo/demo-target-ov", DEMO / "target", gated=False)
    hub.add_repo("tandem-demo/demo-draft-ov", DEMO / "draft")
    return hub


def test_pull_of_preconverted_repos_aligns_and_reuses(ov_hub: FakeHub, hf_home: Path):
    catalog = parse_catalog(CATALOG.format(gated="false"))
    result = pull("ov-pair", lambda e: None, CancelToken(), catalog=catalog)
    assert result.ok, result.problems
    record = result.record
    assert record.target == "tandem-demo--demo-target-ov/fp32"
    assert record.draft.startswith("tandem-demo--demo-draft-ov/fp32-tok")
    assert record.tokenizers == "aligned" and record.default_k == 4
    target = layout.model_dir(record.target)
    # The IR files are hard links to the Hugging Face cache's blobs, not second copies.
    assert (target / "openvino_model.bin").stat().st_nlink >= 2
    assert (target / "openvino_model.bin").read_bytes() == \
        (DEMO / "target" / "openvino_model.bin").read_bytes()
    assert find_ready_pair("ov-pair").target == target

    before = len(ov_hub.log)
    again = pull("ov-pair", lambda e: None, CancelToken(), catalog=catalog)
    assert again.ok and again.record.draft == record.draft
    assert ov_hub.log[before:] == []  # both sides reused from the store: no request at all


def test_add_from_repo_ids(ov_hub: FakeHub):
    result = add("tandem-demo/demo-target-ov", "tandem-demo/demo-draft-ov", None,
                 lambda e: None, CancelToken(), load=False)
    assert result.ok, result.problems
    assert result.record.id == "demo-target-ov-demo-draft-ov"
    assert result.record.target == "tandem-demo--demo-target-ov/ov"  # precision unknown


def test_pull_of_a_gated_pair_without_token_explains_and_leaves_nothing(ov_hub: FakeHub):
    ov_hub.repos["tandem-demo/demo-target-ov"].gated = True
    catalog = parse_catalog(CATALOG.format(gated="true"))
    with pytest.raises(HubAccessError) as err:
        pull("ov-pair", lambda e: None, CancelToken(), catalog=catalog)
    assert "gated" in err.value.message
    assert f"{ov_hub.endpoint}/tandem-demo/demo-target-ov" in err.value.hint
    assert store_ready_pairs() == []


def test_a_download_that_cannot_fit_is_refused_with_numbers(tmp_path: Path):
    with pytest.raises(NotEnoughResourcesError) as err:
        check_disk(10 * 2**30, tmp_path / "not" / "yet", "big/model", free=2**30)
    assert "needs 10.0 GB" in err.value.message and "1.0 GB is free" in err.value.message
    check_disk(10, tmp_path, "small/model")  # fits: no error
