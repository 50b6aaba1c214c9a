"""Import circles among app's modules, and imports that run back up the layers.

    python -m app.devtools.import_graph          # counts, then each circle and upward import
    python -m app.devtools.import_graph --json

Every import counts, also one inside a function or under `if TYPE_CHECKING:`: a lazy
import still ties the two modules together (the graph is grimp's, as import-linter
reads it). A circle is a set of modules that reach each other through imports (a strongly
connected component of two or more modules); for each, one shortest loop is shown.
`LAYERS` is the order of docs/architecture.md, top first: a module may import its own
layer and the layers below it, never one above. tests/test_import_graph.py fails on any
circle or upward import.
"""

from __future__ import annotations

import argparse
import json
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass

ROOT_PACKAGE = "app"
# Top first. A module belongs to the first entry that is it or one of its packages.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("app.__main__",),
    ("app.cli",),
    ("app.commands", "app.devtools", "app.selftest"),
    ("app.ui", "app.serve"),
    ("app.core", "app.app_logging", "app.qt_platform_check", "app.startup_probe"),
    ("app.paths",),
)


@dataclass(frozen=True)
class Report:
    """The circles (each one shortest loop, first module repeated at the end) and the
    imports that run up the layers (importer, imported)."""

    modules: int
    imports: int
    cycles: list[list[str]]
    upward: list[tuple[str, str]]

    def to_dict(self) -> dict[str, object]:
        return {"modules": self.modules, "imports": self.imports,
                "cycles": len(self.cycles), "upward_imports": len(self.upward),
                "cycle_list": self.cycles, "upward_list": [list(e) for e in self.upward]}


def import_edges(package: str = ROOT_PACKAGE) -> dict[str, set[str]]:
    """Each module of `package` with the modules of `package` it imports."""
    import grimp

    graph = grimp.build_graph(package)
    return {m: set(graph.find_modules_directly_imported_by(m)) for m in graph.modules}


def _components(edges: dict[str, set[str]]) -> list[set[str]]:
    """Strongly connected components (Tarjan's algorithm, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[set[str]] = []
    counter = 0
    for start in sorted(edges):
        if start in index:
            continue
        work = [(start, iter(sorted(edges.get(start, ()))))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                found.append(component)
    return found


def _shortest_loop(edges: dict[str, set[str]], members: set[str]) -> list[str]:
    start = min(members)
    came_from: dict[str, str] = {}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for child in sorted(edges.get(node, ())):
            if child not in members:
                continue
            if child == start:
                path = [node]
                while path[-1] != start:
                    path.append(came_from[path[-1]])
                return [*reversed(path), start]
            if child not in came_from:
                came_from[child] = node
                queue.append(child)
    return [start, start]


def layer_of(module: str, layers: Iterable[tuple[str, ...]] = LAYERS) -> int | None:
    """The index of `module`'s layer (0 is the top), or None when no layer names it."""
    for depth, names in enumerate(layers):
        if any(module == name or module.startswith(name + ".") for name in names):
            return depth
    return None


def analyse(edges: dict[str, set[str]],
            layers: Iterable[tuple[str, ...]] = LAYERS) -> Report:
    """Count the circles in `edges` and the imports that run up `layers`."""
    layers = tuple(layers)
    cycles = sorted(_shortest_loop(edges, c) for c in _components(edges) if len(c) > 1)
    upward = []
    for importer, imported in sorted((a, b) for a, bs in edges.items() for b in bs):
        low, high = layer_of(importer, layers), layer_of(imported, layers)
        if low is not None and high is not None and high < low:
            upward.append((importer, imported))
    return Report(modules=len(edges), imports=sum(len(b) for b in edges.values()),
                  cycles=cycles, upward=upward)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Import circles and upward imports in app.")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    report = analyse(import_edges())
    if args.json:
        print(json.dumps(report.to_dict(), indent=2))
    else:
        print(f"{report.modules} modules, {report.imports} imports: "
              f"{len(report.cycles)} circles, {len(report.upward)} imports running back up")
        for loop in report.cycles:
            print("  circle: " + " -> ".join(loop))
        for importer, imported in report.upward:
            print(f"  upward: {importer} -> {imported}")
    return 1 if report.cycles or report.upward else 0


if __name__ == "__main__":
    raise SystemExit(main())
