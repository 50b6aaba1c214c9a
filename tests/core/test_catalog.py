"""The catalog: the shipped models.toml, and broken entries reported by name."""

from __future__ import annotations

from pathlib import Path

from app.core.catalog import load_catalog, normalise_architecture, parse_catalog, valid_repo_id

ROOT = Path(__file__).resolve().parents[2]

ENTRY = """
[[pair]]
id = "{id}"
name = "A pair"
tasks = ["chat"]
default_k = 3

[pair.target]
repo = "{target}"
format = "ov"
weights = "int4"
license = "mit"

[pair.draft]
repo = "owner/draft"
format = "hf"
weights = "int8"
license = "mit"
"""


def entry(pair_id: str = "good", target: str = "owner/target", extra: str = "") -> str:
    return ENTRY.format(id=pair_id, target=target).replace("default_k = 3",
                                                           "default_k = 3\n" + extra)


def test_shipped_catalog_loads_every_entry_without_problems():
    catalog = load_catalog(ROOT / "models.toml")
    assert catalog.problems == ()
    ids = {p.id for p in catalog.pairs}
    assert {"phi3-mini-fastdraft", "llama3.1-8b-fastdraft", "qwen2.5-7b", "qwen3-8b",
            "opt-6.7b", "opt-13b", "llama2-7b-tinyllama", "demo",
            "codellama-7b-tinystarcoder", "phi3-medium-qwen2", "gemma2-9b-vicuna68m"} <= ids
    by_id = {p.id: p for p in catalog.pairs}
    assert by_id["llama3.1-8b-fastdraft"].draft.repo == \
        "OpenVINO/Llama-3.1-8B-Instruct-FastDraft-150M-int8-ov"
    assert by_id["llama3.1-8b-fastdraft"].gated
    assert {by_id["opt-6.7b"].draft.repo, by_id["opt-13b"].draft.repo} == {
        "facebook/opt-125m", "facebook/opt-350m"}
    assert by_id["llama2-7b-tinyllama"].draft.repo == "TinyLlama/TinyLlama-1.1B-Chat-v1.0"
    universal = {p.id for p in catalog.pairs if p.universal}
    assert universal == {"codellama-7b-tinystarcoder", "phi3-medium-qwen2",
                         "gemma2-9b-vicuna68m"}
    assert by_id["demo"].bundled and not by_id["demo"].universal
    for pair in catalog.pairs:
        assert pair.tasks and pair.default_k >= 1 and pair.target.license
        assert pair.target.format in ("ov", "hf") and pair.draft.format in ("ov", "hf")


def test_default_draft_rule_per_architecture():
    catalog = load_catalog(ROOT / "models.toml")
    assert catalog.suggest_draft("opt", "OPTForCausalLM") == "facebook/opt-125m"
    assert catalog.suggest_draft("LlamaForCausalLM") == "TinyLlama/TinyLlama-1.1B-Chat-v1.0"
    assert catalog.suggest_draft("gpt_bigcode") == "bigcode/tiny_starcoder_py"
    assert catalog.suggest_draft("GPTBigCodeForCausalLM") == "bigcode/tiny_starcoder_py"
    assert catalog.suggest_draft("mamba") is None
    assert normalise_architecture("GPT-BigCode") == "gptbigcode"


def test_a_syntax_error_is_confined_to_its_entry():
    text = entry("first") + entry("broken").replace('name = "A pair"', 'name = "A pair') \
        + entry("last")
    catalog = parse_catalog(text)
    assert [p.id for p in catalog.pairs] == ["first", "last"]
    assert len(catalog.problems) == 1
    assert catalog.problems[0].entry == "broken"
    assert "syntax" in catalog.problems[0].message


def test_missing_unknown_duplicate_and_malformed_entries_are_named():
    text = "\n".join([
        entry("ok"),
        entry("no-k").replace("default_k = 3\n", ""),
        entry("extra", extra='colour = "blue"'),
        entry("ok"),
        entry("bad-repo", target="not a repo"),
        entry("double-dash", target="owner--x/name"),
        entry("Bad Id"),
        entry("bad-k", extra="").replace("default_k = 3", "default_k = true"),
        entry("bad-weights").replace('weights = "int4"', 'weights = "int3"'),
    ])
    catalog = parse_catalog(text)
    assert [p.id for p in catalog.pairs] == ["ok"]
    problems = {p.entry: p.message for p in catalog.problems}
    assert "missing field 'default_k'" in problems["no-k"]
    assert "unknown field 'colour'" in problems["extra"]
    assert "duplicate id" in problems["ok"]
    assert "not a Hugging Face repo id" in problems["bad-repo"]
    assert "not a Hugging Face repo id" in problems["double-dash"]
    assert "lowercase" in problems["Bad Id"]
    assert "boolean" in problems["bad-k"]
    assert "int3" in problems["bad-weights"]


def test_bad_draft_rules_and_top_level_fields_are_reported():
    text = '[draft_rules]\nllama = "nope"\nopt = "facebook/opt-125m"\n' \
           'surprise = 1\n' + entry("fine")
    catalog = parse_catalog(text)
    assert [p.id for p in catalog.pairs] == ["fine"]
    assert catalog.draft_rules == {"opt": "facebook/opt-125m"}
    assert {p.entry for p in catalog.problems} == {"draft_rules.llama", "draft_rules.surprise"}


def test_an_unreadable_catalog_gives_an_empty_one_with_a_problem(tmp_path: Path):
    catalog = load_catalog(tmp_path / "missing.toml")
    assert catalog.pairs == () and "cannot be read" in catalog.problems[0].message


def test_repo_ids():
    assert valid_repo_id("OpenVINO/Qwen3-8B-int4-ov")
    assert valid_repo_id("facebook/opt-6.7b")
    for bad in ("opt-6.7b", "a/b/c", "-a/b", "a/b.", "a/b..c", "a /b", "", "a/"):
        assert not valid_repo_id(bad), bad


GGUF_ENTRY = """
[[pair]]
id = "gguf-pair"
name = "A GGUF pair"
tasks = ["code"]
default_k = 3

[pair.target]
repo = "Qwen/Qwen2.5-Coder-1.5B-Instruct-GGUF"
format = "gguf"
{target_file}
weights = "int4"
license = "apache-2.0"

[pair.draft]
repo = "Qwen/Qwen2.5-Coder-0.5B-Instruct-GGUF"
format = "gguf"
file = "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf"
weights = "int8"
license = "apache-2.0"
"""


def _gguf(target_file: str) -> tuple:
    catalog = parse_catalog(GGUF_ENTRY.format(target_file=target_file))
    return catalog.pairs, [str(p) for p in catalog.problems]


def test_gguf_source_names_one_file():
    pairs, problems = _gguf('file = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"')
    assert problems == []
    (pair,) = pairs
    assert pair.target.format == "gguf" and pair.target.needs_conversion
    assert pair.target.file == "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
    assert pair.draft.file == "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf"


def test_gguf_source_without_file_or_with_a_bad_one_is_reported():
    assert _gguf("")[1] == ['gguf-pair: target format "gguf" needs file = "<name>.gguf"']
    for bad in ('file = "*.gguf"', 'file = "model.safetensors"', 'file = "../x.gguf"'):
        pairs, problems = _gguf(bad)
        assert pairs == () and len(problems) == 1
        assert "must be the path of one .gguf file in the repo" in problems[0], bad
    assert "takes file, not files" in _gguf('file = "a.gguf"\nfiles = ["a.gguf"]')[1][0]


def test_file_only_for_gguf_sources():
    problems = parse_catalog(entry(extra="").replace(
        'format = "ov"', 'format = "ov"\nfile = "x.gguf"')).problems
    assert [str(p) for p in problems] == ['good: target file is only for format "gguf"']
