"""models.toml -> typed, validated records.

A broken entry never takes the catalog down: each problem is reported with the entry it
belongs to, and every valid entry still loads. A TOML syntax error is confined to the
`[[pair]]` block that holds it, because the file is re-read block by block when the whole
of it does not parse.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app import paths

WEIGHT_FORMATS = ("int4", "int8", "fp16", "fp32")
# already OpenVINO IR, a checkpoint to convert, or one GGUF file (`file`) to convert
SOURCE_FORMATS = ("ov", "hf", "gguf")
TASKS = ("chat", "code", "summarisation")

# Hugging Face repo names: "owner/name", letters, digits, "-", "_", ".", at most 96 chars,
# no "--" or ".." and not starting or ending with "-" or ".".
_REPO_PART = r"[A-Za-z0-9](?:[A-Za-z0-9._-]{0,94}[A-Za-z0-9])?"
REPO_ID = re.compile(rf"^{_REPO_PART}/{_REPO_PART}$")
PAIR_ID = re.compile(r"^[a-z0-9](?:[a-z0-9._-]{0,62}[a-z0-9])?$")
REVISION = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,199}$")

PAIR_FIELDS = {"id", "name", "tasks", "target", "draft", "default_k", "download_gb",
               "ram_gb", "universal", "bundled", "notes"}
PAIR_REQUIRED = {"id", "name", "tasks", "target", "draft", "default_k"}
SOURCE_FIELDS = {"repo", "revision", "format", "weights", "license", "gated", "files", "file"}
SOURCE_REQUIRED = {"repo", "format", "weights", "license"}
TOP_FIELDS = {"schema", "draft_rules", "pair"}


def valid_repo_id(text: str) -> bool:
    """Whether `text` is a Hugging Face repo id (owner/name) safe to use as a folder name."""
    return bool(REPO_ID.match(text)) and "--" not in text and ".." not in text


@dataclass(frozen=True)
class ModelSource:
    """Where one side of a catalog pair comes from: repo, revision, format and weights."""
    repo: str
    format: str  # "ov" or "hf"
    weights: str  # ov: what the repo holds; hf: what to convert to
    license: str
    revision: str = "main"
    gated: bool = False
    files: tuple[str, ...] = ()  # allow patterns; empty means Tandem's defaults
    file: str = ""  # format "gguf": the .gguf file in the repo

    @property
    def needs_conversion(self) -> bool:
        """Whether the source must be converted to OpenVINO IR (a checkpoint or a GGUF)."""
        return self.format in ("hf", "gguf")


@dataclass(frozen=True)
class CatalogPair:
    """One target/draft pair of models.toml, with its tasks, default K, sizes and licence."""
    id: str
    name: str
    tasks: tuple[str, ...]
    target: ModelSource
    draft: ModelSource
    default_k: int
    download_gb: float = 0.0
    ram_gb: float = 0.0
    universal: bool = False  # the draft has another tokenizer
    bundled: bool = False  # ships with Tandem (the demo pair)
    notes: str = ""

    @property
    def gated(self) -> bool:
        """Whether either side needs its licence accepted on the Hub."""
        return self.target.gated or self.draft.gated


@dataclass(frozen=True)
class CatalogProblem:
    """Why one catalog entry was left out, for the user."""
    entry: str  # the pair id, or where it is when it has none
    message: str

    def __str__(self) -> str:
        return f"{self.entry}: {self.message}"


@dataclass(frozen=True)
class Catalog:
    """The valid pairs of models.toml, the default draft per architecture, and the entries left
    out."""
    pairs: tuple[CatalogPair, ...] = ()
    draft_rules: dict[str, str] = field(default_factory=dict)  # normalised architecture
    problems: tuple[CatalogProblem, ...] = ()

    def find(self, pair_id: str) -> CatalogPair | None:
        """The pair with this id, or None."""
        return next((p for p in self.pairs if p.id == pair_id), None)

    def suggest_draft(self, *architectures: str) -> str | None:
        """The default draft repo for a target's `model_type` or `architectures` names."""
        for name in architectures:
            repo = self.draft_rules.get(normalise_architecture(name))
            if repo:
                return repo
        return None


def normalise_architecture(name: str) -> str:
    """"GPTBigCodeForCausalLM", "gpt_bigcode" and "GPT-BigCode" all become "gptbigcode"."""
    key = re.sub(r"[^a-z0-9]", "", name.lower())
    for suffix in ("forcausallm", "lmheadmodel", "model"):
        if key.endswith(suffix) and len(key) > len(suffix):
            key = key[: -len(suffix)]
            break
    return key


class EntryError(ValueError):
    """A catalog entry is invalid; the message says which field and why."""
    pass


def _need(table: dict[str, Any], key: str, kind: type | tuple[type, ...], what: str) -> Any:
    value = table[key]
    # bool is an int in Python; a number field must not accept true/false.
    if isinstance(value, bool) and bool not in (kind if isinstance(kind, tuple) else (kind,)):
        raise EntryError(f"{what} {key!r} must be {_kind_name(kind)}, not a boolean")
    if not isinstance(value, kind):
        raise EntryError(f"{what} {key!r} must be {_kind_name(kind)}, "
                         f"not {type(value).__name__}")
    return value


def _kind_name(kind: type | tuple[type, ...]) -> str:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    names = {str: "a string", int: "an integer", float: "a number", bool: "true or false",
             list: "a list", dict: "a table"}
    return " or ".join(names.get(k, k.__name__) for k in kinds)


def _check_fields(table: dict[str, Any], allowed: set[str], required: set[str],
                  what: str) -> None:
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise EntryError(f"unknown field{'s' if len(unknown) > 1 else ''} "
                         f"{', '.join(repr(u) for u in unknown)} in {what}")
    missing = sorted(required - set(table))
    if missing:
        raise EntryError(f"missing field{'s' if len(missing) > 1 else ''} "
                         f"{', '.join(repr(m) for m in missing)} in {what}")


def parse_source(table: Any, role: str) -> ModelSource:
    """The [pair.target] or [pair.draft] table as a ModelSource; raises EntryError when it is
    invalid."""
    if not isinstance(table, dict):
        raise EntryError(f"{role} must be a table ([pair.{role}])")
    what = f"the {role}"
    _check_fields(table, SOURCE_FIELDS, SOURCE_REQUIRED, what)
    repo = _need(table, "repo", str, what)
    if not valid_repo_id(repo):
        raise EntryError(f"{role} repo {repo!r} is not a Hugging Face repo id (owner/name)")
    fmt = _need(table, "format", str, what)
    if fmt not in SOURCE_FORMATS:
        raise EntryError(f"{role} format {fmt!r} must be one of {', '.join(SOURCE_FORMATS)}")
    weights = _need(table, "weights", str, what)
    if weights not in WEIGHT_FORMATS:
        raise EntryError(f"{role} weights {weights!r} must be one of "
                         f"{', '.join(WEIGHT_FORMATS)}")
    revision = _need(table, "revision", str, what) if "revision" in table else "main"
    if not REVISION.match(revision) or ".." in revision:
        raise EntryError(f"{role} revision {revision!r} is not a branch, tag or commit")
    files: tuple[str, ...] = ()
    if "files" in table:
        raw = _need(table, "files", list, what)
        if not raw or not all(isinstance(f, str) and f for f in raw):
            raise EntryError(f"{role} files must be a non-empty list of patterns")
        files = tuple(raw)
    file = _gguf_file(table, role, fmt, what)
    return ModelSource(
        repo=repo, format=fmt, weights=weights,
        license=_need(table, "license", str, what), revision=revision,
        gated=_need(table, "gated", bool, what) if "gated" in table else False, files=files,
        file=file)


def _gguf_file(table: dict[str, Any], role: str, fmt: str, what: str) -> str:
    """A "gguf" source names exactly one .gguf file of the repo; other formats name none."""
    if fmt != "gguf":
        if "file" in table:
            raise EntryError(f"{role} file is only for format \"gguf\"")
        return ""
    if "file" not in table:
        raise EntryError(f"{role} format \"gguf\" needs file = \"<name>.gguf\"")
    file = _need(table, "file", str, what)
    if not file.lower().endswith(".gguf") or any(c in file for c in "*?[]\\") \
            or file.startswith("/") or ".." in file.split("/"):
        raise EntryError(f"{role} file {file!r} must be the path of one .gguf file in the "
                         "repo")
    if "files" in table:
        raise EntryError(f"{role} format \"gguf\" takes file, not files")
    return file


def parse_pair(table: Any) -> CatalogPair:
    """One [[pair]] table as a CatalogPair; raises EntryError when it is invalid."""
    if not isinstance(table, dict):
        raise EntryError("a [[pair]] entry must be a table")
    _check_fields(table, PAIR_FIELDS, PAIR_REQUIRED, "the entry")
    pair_id = _need(table, "id", str, "field")
    if not PAIR_ID.match(pair_id):
        raise EntryError(f"id {pair_id!r} must be lowercase letters, digits, '.', '-' or '_'")
    tasks = _need(table, "tasks", list, "field")
    bad = [t for t in tasks if t not in TASKS]
    if not tasks or bad:
        raise EntryError(f"tasks must be a non-empty list of {', '.join(TASKS)}"
                         + (f" (got {bad[0]!r})" if bad else ""))
    default_k = _need(table, "default_k", int, "field")
    if not 1 <= default_k <= 32:
        raise EntryError(f"default_k {default_k} must be between 1 and 32")
    numbers: dict[str, float] = {}
    for key in ("download_gb", "ram_gb"):
        if key in table:
            value = float(_need(table, key, (int, float), "field"))
            if not 0 <= value < 10_000:
                raise EntryError(f"{key} {value} is out of range")
            numbers[key] = value
    flags = {k: bool(_need(table, k, bool, "field")) for k in ("universal", "bundled")
             if k in table}
    name = _need(table, "name", str, "field")
    if not name.strip():
        raise EntryError("name must not be empty")
    return CatalogPair(
        id=pair_id, name=name, tasks=tuple(tasks),
        target=parse_source(table["target"], "target"),
        draft=parse_source(table["draft"], "draft"),
        default_k=default_k, download_gb=numbers.get("download_gb", 0.0),
        ram_gb=numbers.get("ram_gb", 0.0), universal=flags.get("universal", False),
        bundled=flags.get("bundled", False),
        notes=_need(table, "notes", str, "field") if "notes" in table else "")


def _entry_label(table: Any, index: int) -> str:
    if isinstance(table, dict) and isinstance(table.get("id"), str) and table["id"]:
        return str(table["id"])
    return f"[[pair]] #{index + 1}"


def _parse_rules(raw: Any, problems: list[CatalogProblem]) -> dict[str, str]:
    if not isinstance(raw, dict):
        problems.append(CatalogProblem("draft_rules", "must be a table of architecture = repo"))
        return {}
    rules: dict[str, str] = {}
    for arch, repo in raw.items():
        if not isinstance(repo, str) or not valid_repo_id(repo):
            problems.append(CatalogProblem(f"draft_rules.{arch}",
                                           f"{repo!r} is not a Hugging Face repo id"))
            continue
        rules[normalise_architecture(arch)] = repo
    return rules


def _split_blocks(text: str) -> list[tuple[int, str]]:
    """The header and each `[[pair]]` block with its first line number (1-based)."""
    blocks: list[tuple[int, list[str]]] = [(1, [])]
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip().startswith("[[pair]]"):
            blocks.append((number, []))
        blocks[-1][1].append(line)
    return [(start, "\n".join(lines)) for start, lines in blocks]


def _load_documents(text: str, problems: list[CatalogProblem]) -> tuple[dict[str, Any],
                                                                        list[Any]]:
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        pass
    else:
        found = doc.get("pair", [])
        return doc, found if isinstance(found, list) else [found]
    header: dict[str, Any] = {}
    pairs: list[Any] = []
    for index, (start, block) in enumerate(_split_blocks(text)):
        try:
            part = tomllib.loads(block)
        except tomllib.TOMLDecodeError as exc:
            where = "the header" if index == 0 else f"the [[pair]] block at line {start}"
            label = where
            match = re.search(r'^\s*id\s*=\s*"([^"]+)"', block, re.MULTILINE)
            if index and match:
                label = match.group(1)
            problems.append(CatalogProblem(label, f"TOML syntax error in {where}: {exc}"))
            continue
        if index == 0:
            header = part
        else:
            pairs.extend(part.get("pair", []))
    return header, pairs


def parse_catalog(text: str) -> Catalog:
    """Parse models.toml text; never raises on bad content."""
    problems: list[CatalogProblem] = []
    doc, raw_pairs = _load_documents(text, problems)
    for key in sorted(set(doc) - TOP_FIELDS):
        problems.append(CatalogProblem(key, "unknown top-level field"))
    if "schema" in doc and doc["schema"] != 1:
        problems.append(CatalogProblem("schema", f"schema {doc['schema']!r} is not 1; "
                                                 "entries are read as schema 1"))
    rules = _parse_rules(doc.get("draft_rules", {}), problems)
    pairs: list[CatalogPair] = []
    seen: set[str] = set()
    for index, table in enumerate(raw_pairs):
        label = _entry_label(table, index)
        try:
            pair = parse_pair(table)
        except EntryError as exc:
            problems.append(CatalogProblem(label, str(exc)))
            continue
        if pair.id in seen:
            problems.append(CatalogProblem(label, "duplicate id (the first entry is kept)"))
            continue
        seen.add(pair.id)
        pairs.append(pair)
    return Catalog(tuple(pairs), rules, tuple(problems))


def load_catalog(path: Path | None = None) -> Catalog:
    """The catalog in `path` (models.toml by default); an unreadable file gives an empty catalog
    with the problem, never an exception."""
    path = path or paths.catalog_file()
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return Catalog(problems=(CatalogProblem(path.name, f"cannot be read: {exc}"),))
    return parse_catalog(text)
