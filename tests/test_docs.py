"""The README and docs stand alone: no path outside the repository, links that resolve,
pair ids from the catalog, and an architecture page naming files that exist."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from app import paths
from app.core.catalog import load_catalog
from tests.conftest import ROOT

DOCS = [ROOT / "README.md", ROOT / "benchmarks" / "README.md", ROOT / "packaging" / "README.md",
        *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_path_outside_the_repository(doc: Path):
    text = doc.read_text(encoding="utf-8")
    for bad in ("../shared", "/work/", "/home/", "/tmp/"):
        assert bad not in text, f"{doc.name} mentions {bad}"


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_resolve(doc: Path):
    text = doc.read_text(encoding="utf-8")
    for target in LINK.findall(text):
        if "://" in target or target.startswith("mailto:"):
            continue
        assert (doc.parent / target).exists(), f"{doc.name}: broken link {target}"


def test_pair_ids_in_the_docs_are_catalog_ids():
    ids = {pair.id for pair in load_catalog(paths.catalog_file()).pairs}
    for doc in DOCS:
        for pair in re.findall(r"--pair ([\w.\-]+)", doc.read_text(encoding="utf-8")):
            assert pair in ids, f"{doc.name}: --pair {pair} is not in models.toml"


def test_the_architecture_page_names_files_that_exist():
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    named = set(re.findall(r"`((?:app|packaging|tests|resources)/[\w/.\-]+)`", text))
    named |= {f"app/{m}" for m in re.findall(r"^app/([\w/.]+)", text, re.MULTILINE)}
    assert len(named) > 10
    missing = [n for n in sorted(named) if not (ROOT / n).exists()
               and not (ROOT / "app" / n.removeprefix("app/")).exists()]
    assert missing == []
