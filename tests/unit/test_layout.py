"""The rules that keep the layers holding (README, "How the code is laid out"), checked so
nobody has to remember them: which package may import which, no cycles, small modules and
small feature folders."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MAX_LINES = 300
MAX_SERVICE_MODULES = 12


def _modules() -> dict[str, Path]:
    found = {}
    for path in [*(ROOT / "fic").rglob("*.py"), *(ROOT / "tasks").rglob("*.py")]:
        if "migrations" in path.parts:
            continue
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


MODULES = _modules()


def _imports(path: Path) -> set[str]:
    """Every fic or tasks module this file imports, wherever the import statement is."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            subs = [f"{node.module}.{a.name}" for a in node.names
                    if f"{node.module}.{a.name}" in MODULES]
            names = subs + ([node.module] if len(subs) < len(node.names) else [])
        for name in names:
            while name not in MODULES and "." in name:
                name = name.rsplit(".", 1)[0]
            if name in MODULES:
                found.add(name)
    return found


def _package(module: str) -> str:
    """fic.web, fic.services.alerts, ...; a top-level module (fic.errors) is its own node."""
    parts = module.split(".")
    if MODULES[module].name != "__init__.py":
        parts = parts[:-1]
    if len(parts) == 1:
        return module
    return ".".join(parts[:3] if parts[:2] == ["fic", "services"] else parts[:2])


def _importers_of(target: str, within: str) -> list[str]:
    return sorted(m for m, p in MODULES.items() if m.startswith(within + ".") or m == within
                  for t in _imports(p) if t == target or t.startswith(target + "."))


def test_no_module_of_the_web_or_the_reports_imports_storage():
    assert _importers_of("fic.storage", "fic.web") == []
    assert _importers_of("fic.storage", "fic.reports") == []


def test_the_reports_only_render_and_import_no_service():
    assert _importers_of("fic.services", "fic.reports") == []


def test_no_view_cli_command_or_task_imports_storage():
    assert _importers_of("fic.storage", "fic.cli") == []
    assert _importers_of("fic.storage", "tasks") == []


def test_the_domain_imports_nothing_but_the_domain_and_the_errors():
    outside = {t for m, p in MODULES.items() if m.startswith("fic.domain")
               for t in _imports(p) if not t.startswith("fic.domain")}
    assert outside <= {"fic.errors"}


def test_fic_never_imports_tasks():
    assert [m for m, p in MODULES.items() if m.startswith("fic")
            and any(t.startswith("tasks") for t in _imports(p))] == []


def test_there_is_no_import_cycle_between_fics_packages():
    graph: dict[str, set[str]] = defaultdict(set)
    for module, path in MODULES.items():
        for target in _imports(path):
            if _package(module) != _package(target):
                graph[_package(module)].add(_package(target))
    assert _cycles(graph) == []


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one package (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(set(graph) | {n for targets in graph.values() for n in targets}):
        if node not in index:
            visit(node)
    return found


def test_no_module_of_fic_or_tasks_is_longer_than_300_lines():
    long = {m: n for m, p in MODULES.items() if (n := len(p.read_text().splitlines())) > MAX_LINES}
    assert long == {}


def test_no_services_folder_holds_more_than_12_modules():
    folders = [p for p in (ROOT / "fic" / "services").rglob("*") if p.is_dir()
               and p.name != "__pycache__"] + [ROOT / "fic" / "services"]
    crowded = {str(f.relative_to(ROOT)): n for f in folders
               if (n := len([m for m in f.glob("*.py") if m.name != "__init__.py"]))
               > MAX_SERVICE_MODULES}
    assert crowded == {}


def test_field_errors_are_carried_as_data_not_in_the_message():
    """`InvalidRequest.about(field, problem)`, never "field: problem" for adapters to parse."""
    import re

    prefixed = re.compile(r'InvalidRequest\(f?"(\{[a-z_.]+\}|[a-z_]+): ')
    found = [f"{m}:{n}" for m, p in MODULES.items()
             for n, line in enumerate(p.read_text().splitlines(), 1) if prefixed.search(line)]
    assert found == []


def test_the_checks_see_the_rule_they_guard():
    """The import reader finds a real edge, so an empty answer above means something."""
    assert "fic.storage.db" in _imports(MODULES["fic.services.core.outbox"])
    assert _cycles({"a": {"b"}, "b": {"a"}}) == [["a", "b"]]
