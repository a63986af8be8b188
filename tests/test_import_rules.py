"""The layering of DESIGN.md §2, read from the source: who may import whom.

Every import counts, at module level or inside a function or a `TYPE_CHECKING` block: an import moved into a
function to get past a cycle is still the cycle. Standard library only (ast), so the rule costs no dependency.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("node", "activitypub", "webfinger")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def source_modules() -> dict[str, Path]:
    """Every module of the three packages, by dotted name (migration scripts are data, not code of the node)."""
    modules = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations/versions" in path.as_posix():
                continue
            modules[module_name(path)] = path
    return modules


def imported_names(name: str, path: Path) -> set[str]:
    """The dotted names `name` imports anywhere in its file, inside functions too: `from .x import y` gives
    `pkg.x.y`, which `resolve` turns into the module `pkg.x.y` or, when y is a name in it, `pkg.x`."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*parts, *([node.module] if node.module else [])])
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def resolve(names: Iterable[str], modules: dict[str, Path]) -> set[str]:
    """The project's modules among `names`: a name that is not a module stands for the module holding it."""
    resolved = set()
    for name in names:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        if name:
            resolved.add(name)
    return resolved


def import_graph() -> dict[str, set[str]]:
    modules = source_modules()
    return {name: resolve(imported_names(name, path), modules) - {name} for name, path in modules.items()}


def within(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def forbidden_imports(graph: dict[str, set[str]], importer: str, imported: Iterable[str]) -> list[str]:
    """`importer → imported` edges of the graph, one line each."""
    return sorted(
        f"{source} imports {target}"
        for source, targets in graph.items()
        if within(source, importer)
        for target in targets
        if any(within(target, prefix) for prefix in imported)
    )


def cycles(graph: dict[str, set[str]], inside: str) -> list[list[str]]:
    """Each strongly connected group of modules under `inside` that import each other (Tarjan), shown as one
    cycle through it: `a → b → c → a`."""
    nodes = sorted(name for name in graph if within(name, inside))
    edges = {name: sorted(t for t in graph[name] if within(t, inside) and t != name) for name in nodes}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in edges[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in nodes:
        if node not in index:
            visit(node)
    return [cycle_through(group, edges) for group in groups]


def cycle_through(group: list[str], edges: dict[str, list[str]]) -> list[str]:
    """The shortest import cycle from the group's first module back to it (breadth first)."""
    start = group[0]
    members = set(group)
    paths = {target: [start, target] for target in edges[start] if target in members}
    queue = list(paths)
    while queue:
        node = queue.pop(0)
        if start in edges[node]:
            return [*paths[node], start]
        for target in edges[node]:
            if target in members and target not in paths:
                paths[target] = [*paths[node], target]
                queue.append(target)
    return [start, start]  # unreachable in a strongly connected group


def show(found: list[str]) -> str:
    return "\n  " + "\n  ".join(found)


def test_imports_inside_functions_count(tmp_path):
    path = tmp_path / "late.py"
    path.write_text("def f():\n    from .search import plain_text\n    import node.workers\n")
    modules = {"node": ROOT / "node", "node.workers": ROOT / "node/workers.py", "node.services.search": path}
    assert resolve(imported_names("node.services.late", path), modules) == {"node.services.search", "node.workers"}


def test_cycles_are_shown_as_a_path():
    graph = {"p.a": {"p.b"}, "p.b": {"p.c"}, "p.c": {"p.a", "q.d"}, "q.d": {"p.a"}}
    assert cycles(graph, "p") == [["p.a", "p.b", "p.c", "p.a"]]


def test_protocol_packages_never_import_node():
    graph = import_graph()
    found = forbidden_imports(graph, "activitypub", ["node"]) + forbidden_imports(graph, "webfinger", ["node"])
    assert not found, "activitypub/ and webfinger/ know nothing of the node:" + show(found)


def test_services_import_each_other_without_cycles():
    found = [" → ".join(cycle) for cycle in cycles(import_graph(), "node.services")]
    assert not found, "services import each other in a cycle:" + show(found)


def test_services_know_nothing_of_web_or_federation():
    found = forbidden_imports(import_graph(), "node.services", ["node.web", "node.federation"])
    assert not found, "services sit below the web handlers and the federation glue:" + show(found)


def test_models_are_data():
    found = forbidden_imports(
        import_graph(), "node.models", ["node.services", "node.federation", "node.web", "node.workers", "node.cli"]
    )
    assert not found, "models import nothing above them:" + show(found)


def test_federation_sits_below_web_workers_and_cli():
    found = forbidden_imports(import_graph(), "node.federation", ["node.web", "node.workers", "node.cli"])
    assert not found, "the federation glue is used by the web, the workers and the CLI, never the reverse:" + show(
        found
    )


def test_federation_modules_import_each_other_without_cycles():
    found = [" → ".join(cycle) for cycle in cycles(import_graph(), "node.federation")]
    assert not found, "federation modules import each other in a cycle:" + show(found)
