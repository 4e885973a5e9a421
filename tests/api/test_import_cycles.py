"""The module-level import graph of ``l0/`` has no cycle (but the known ones listed here, to be removed).

Each module's imports are read with ``ast``: the statements that run at import
(module level, also inside ``try``/``if`` at module level, but not under
``if TYPE_CHECKING:`` and not inside functions or classes), ``import a.b``,
``from a import b`` (an edge to ``a.b`` when that is a module, else to ``a``)
and relative ``from . import x`` forms. Compiled modules (``.pyx``) are read
for their ``import``/``from ... import`` lines. Drift modules are also kept out
of the cycles that imports inside functions (deferred imports) would close.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2] / "l0"

# Cycles that exist today outside drift, each as its sorted member modules. This list may
# only shrink: a new cycle fails the test, and so does a listed one that is gone.
KNOWN_CYCLES: list[tuple[str, ...]] = []


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    found = {}
    for path in sorted(ROOT.rglob("*.py")) + sorted(ROOT.rglob("*.pyx")):
        found.setdefault(_module_name(path), path)
    return found


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _runtime_statements(body: list[ast.stmt]) -> list[ast.stmt]:
    """The statements of *body* that run at import, nested blocks flattened (functions and classes not)."""
    out: list[ast.stmt] = []
    for node in body:
        if isinstance(node, ast.If):
            if not _is_type_checking(node.test):
                out += _runtime_statements(node.body)
            out += _runtime_statements(node.orelse)
        elif isinstance(node, ast.Try):
            for block in (node.body, node.orelse, node.finalbody, *(h.body for h in node.handlers)):
                out += _runtime_statements(block)
        elif isinstance(node, (ast.With, ast.For, ast.While)):
            out += _runtime_statements(node.body)
        else:
            out.append(node)
    return out


def _resolve(name: str, modules: dict[str, Path]) -> str | None:
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def _from(base: str, names: list[str], modules: dict[str, Path]) -> set[str]:
    """``from base import names``: ``base.name`` where that is a module, else ``base`` itself.

    A submodule's parent package is being initialised whenever the submodule runs, so
    ``from . import sibling`` depends on the sibling only, not on the package's ``__init__``.
    """
    return {f"{base}.{name}" if f"{base}.{name}" in modules else base for name in names}


def _imports(module: str, path: Path, modules: dict[str, Path], deferred: bool = False) -> set[str]:
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    targets: set[str] = set()
    if path.suffix == ".pyx":
        for m in re.finditer(r"^(?:from\s+([\w.]+)\s+import\s+([\w, ]+)|import\s+([\w.]+))", path.read_text(),
                             re.MULTILINE):
            if m.group(3):
                targets.add(m.group(3))
            else:
                targets.update(_from(m.group(1), [n.strip() for n in m.group(2).split(",")], modules))
    else:
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        nodes = ast.walk(tree) if deferred else _runtime_statements(tree.body)
        for node in nodes:
            if isinstance(node, ast.Import):
                targets.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")
                    anchor = anchor[:len(anchor) - (node.level - 1)]
                    base = ".".join(anchor + ([base] if base else []))
                targets.update(_from(base, [alias.name for alias in node.names], modules))
    edges = set()
    for target in targets:
        if not target.startswith("l0"):
            continue
        resolved = target if target in modules else _resolve(target, modules)
        if resolved is not None and resolved != module:
            edges.add(resolved)
    return edges


def import_graph(deferred: bool = False) -> dict[str, set[str]]:
    """Module -> the ``l0`` modules it imports; ``deferred=True`` adds the imports inside functions."""
    modules = _modules()
    return {name: _imports(name, path, modules, deferred) for name, path in modules.items()}


def cycles(graph: dict[str, set[str]]) -> list[tuple[str, ...]]:
    """The strongly connected components with more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[tuple[str, ...]] = []
    counter = 0

    def visit(v: str) -> None:
        nonlocal counter
        work = [(v, iter(sorted(graph.get(v, ()))))]
        index[v] = low[v] = counter
        counter += 1
        stack.append(v)
        on_stack.add(v)
        while work:
            node, children = work[-1]
            for w in children:
                if w not in index:
                    index[w] = low[w] = counter
                    counter += 1
                    stack.append(w)
                    on_stack.add(w)
                    work.append((w, iter(sorted(graph.get(w, ())))))
                    break
                if w in on_stack:
                    low[node] = min(low[node], index[w])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        w = stack.pop()
                        on_stack.discard(w)
                        component.append(w)
                        if w == node:
                            break
                    if len(component) > 1:
                        found.append(tuple(sorted(component)))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return sorted(found)


def test_the_graph_is_read():
    graph = import_graph()
    assert "l0._backend" in graph["l0.drift._session"]
    assert "l0._drift_text" in graph["l0._speedups.drift"]  # .pyx imports are read too
    assert "l0._pure.entropy" in graph["l0._pure.drift"]


def test_no_import_cycles_but_the_known_ones():
    assert cycles(import_graph()) == sorted(KNOWN_CYCLES)


def test_a_cycle_is_found():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [("a", "b", "c")]


def test_drift_is_in_no_cycle_even_through_deferred_imports():
    """An import inside a function only hides a cycle (the drift twin used to import ``l0.drift`` so)."""
    drift = [c for c in cycles(import_graph(deferred=True)) if any("drift" in m for m in c)]
    assert drift == []


def test_the_drift_kernels_are_leaves():
    """Neither drift twin nor the text tables import anything above them."""
    graph = import_graph()
    assert graph["l0._drift_text"] == set()
    assert graph["l0._pure.drift"] <= {"l0._drift_text", "l0._pure.entropy"}
    assert graph["l0._speedups.drift"] <= {"l0._drift_text", "l0._speedups.entropy"}
