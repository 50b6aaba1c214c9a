"""The share of a package's public API that has a docstring.

    python -m app.devtools.docstring_share              # app/core, one line per package
    python -m app.devtools.docstring_share app/ui --missing

Public: a module-level function or class, or a method of a public class, whose name does
not start with an underscore (so no dunder methods); functions nested in functions are
not counted. Modules under a folder whose name starts with an underscore are skipped.
"""

from __future__ import annotations

import argparse
import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent

Definition = ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef


@dataclass(frozen=True)
class Name:
    """One public definition: where it is and whether it has a docstring."""

    path: Path
    qualname: str
    line: int
    documented: bool


def public_names(path: Path) -> Iterator[Name]:
    """The public functions, classes and methods of one source file."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))

    def walk(body: list[ast.stmt], prefix: str) -> Iterator[Name]:
        for node in body:
            if not isinstance(node, Definition) or node.name.startswith("_"):
                continue
            qualname = prefix + node.name
            yield Name(path, qualname, node.lineno, ast.get_docstring(node) is not None)
            if isinstance(node, ast.ClassDef):
                yield from walk(node.body, qualname + ".")

    yield from walk(tree.body, "")


def scan(folder: Path) -> list[Name]:
    """Every public name under `folder`, in file order."""
    names: list[Name] = []
    for path in sorted(folder.rglob("*.py")):
        if any(part.startswith("_") and part != "__init__.py"
               for part in path.relative_to(folder).parts):
            continue
        names.extend(public_names(path))
    return names


def share(names: list[Name]) -> float:
    """Documented names over all names (1.0 when there are none)."""
    return sum(n.documented for n in names) / len(names) if names else 1.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Docstring share of the public API.")
    parser.add_argument("folder", nargs="?", type=Path, default=ROOT / "app" / "core")
    parser.add_argument("--missing", action="store_true", help="list the undocumented names")
    args = parser.parse_args(argv)
    folder = args.folder.resolve()
    names = scan(folder)
    groups: dict[str, list[Name]] = {}
    for name in names:
        rel = name.path.relative_to(folder)
        groups.setdefault(rel.parts[0] if len(rel.parts) > 1 else rel.name, []).append(name)
    for group, members in sorted(groups.items()):
        print(f"  {group:28} {sum(n.documented for n in members):4}/{len(members):<4} "
              f"{share(members):6.1%}")
    print(f"{folder.relative_to(ROOT) if folder.is_relative_to(ROOT) else folder}: "
          f"{sum(n.documented for n in names)}/{len(names)} public names documented, "
          f"{share(names):.1%}")
    if args.missing:
        for name in names:
            if not name.documented:
                print(f"{name.path.relative_to(ROOT)}:{name.line}: {name.qualname}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
