"""Fuzz the catalog parser: it never raises, and a broken entry never hides a valid one."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.core.catalog import Catalog, parse_catalog
from tests.core.test_catalog import entry

FAST = settings(max_examples=150, deadline=None,
                suppress_health_check=[HealthCheck.too_slow])


def _check(catalog: Catalog) -> None:
    ids = [p.id for p in catalog.pairs]
    assert len(ids) == len(set(ids))
    for problem in catalog.problems:
        assert problem.entry and problem.message


@FAST
@given(st.text(max_size=400))
def test_any_text_gives_a_catalog(text: str):
    _check(parse_catalog(text))


@FAST
@given(st.lists(st.sampled_from([
    "[[pair]]", "[pair.target]", "[pair.draft]", "[draft_rules]", 'id = "x"',
    'repo = "a/b"', "default_k = 3", 'tasks = ["chat"]', 'format = "ov"', "weights = 4",
    'name = "n"', "gated = true", "= broken", '"unterminated', "[[pair]", "schema = 2",
    'llama = "a/b"', "files = []", 'revision = "../x"', "ram_gb = -1", "universal = 1",
]), max_size=30))
def test_toml_shaped_noise_gives_a_catalog(lines: list[str]):
    _check(parse_catalog("\n".join(lines)))


@FAST
@given(garbage=st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=80),
       field=st.sampled_from(["name", "tasks", "default_k", "format", "repo", "weights",
                              "license", "id"]),
       where=st.integers(min_value=0, max_value=2))
def test_one_broken_entry_never_hides_the_valid_ones(garbage: str, field: str, where: int):
    broken = "\n".join(
        f"{field} = {garbage}" if line.startswith(f"{field} =") else line
        for line in entry("broken").splitlines())
    valid = [entry("alpha"), entry("beta", target="org/model-2")]
    valid.insert(where, broken)
    catalog = parse_catalog("\n".join(valid))
    _check(catalog)
    ids = {p.id for p in catalog.pairs}
    assert {"alpha", "beta"} <= ids
    if "broken" not in ids:
        assert catalog.problems  # a rejected entry is always reported
