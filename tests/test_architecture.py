"""The layers of DESIGN ("Package layout"), enforced on every import in ``src/``.

Bottom to top: vocabulary -> analyzer -> compiler -> store -> executor -> public API -> CLI;
lint stands beside the executor and may use vocabulary, analyzer and compiler only.  Every
import counts -- top level, inside functions, under ``TYPE_CHECKING``, relative -- and every
module must belong to a layer, so a new module is placed on purpose.  No two modules import
each other, directly or around a cycle, unless both are in one package of
``NATURAL_CYCLES``.  See docs/architecture.md.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src"

VOCABULARY = frozenset({
    "flowplan.callsite", "flowplan.codes", "flowplan.diagnostics", "flowplan.enums",
    "flowplan.env", "flowplan.interrupts", "flowplan.dataclass_code", "flowplan.digests",
    "flowplan.lazy", "flowplan.loader", "flowplan.plain_functions", "flowplan.project",
    "flowplan.version",
    "flowplan.config", "flowplan.config.retry_config", "flowplan.config.resource_settings",
    "flowplan.config.artifact_config",
})
# ... and every module of flowplan.messages (the text of every diagnostic).
PUBLIC_API = frozenset({
    "flowplan", "flowplan.alerters", "flowplan.client", "flowplan.descriptions",
    "flowplan.hooks", "flowplan.pipelines", "flowplan.snapshots", "flowplan.stack",
})
# Above the public API: the command line, the `flow ui` dashboard beside it, the mypy plugin.
TOOLS = ("flowplan.cli", "flowplan.ui", "flowplan.mypy")
PACKAGES = ("analyzer", "compiler", "store", "executor", "lint")
RANK = {"vocabulary": 0, "analyzer": 1, "compiler": 2, "store": 3, "executor": 4, "lint": 4,
        "public": 5, "cli": 6}
LINT_MAY_USE = frozenset({"vocabulary", "analyzer", "compiler", "lint"})

# Imports that run against the order on purpose: (importer, imported) -> why.  The compiler
# reaches the executor through ``flowplan.compiler.runtime`` without any import -- the public
# API registers the executor's runtime there -- so no seam needs an exemption today.
SEAMS: dict[tuple[str, str], str] = {}

# Packages whose modules may import each other in a cycle, and why the recursion is natural.
NATURAL_CYCLES = {
    "flowplan.compiler.frontends.static": "the static interpreter evaluates expressions that "
    "call steps and pipelines, whose calls evaluate expressions again",
}


def layer(module: str) -> str | None:
    if module in VOCABULARY or module.startswith("flowplan.messages"):
        return "vocabulary"
    if module in PUBLIC_API:
        return "public"
    if any(module == tool or module.startswith(f"{tool}.") for tool in TOOLS):
        return "cli"
    for package in PACKAGES:
        if module == f"flowplan.{package}" or module.startswith(f"flowplan.{package}."):
            return package
    return None


def allowed(importer: str, imported: str) -> bool:
    low, high = layer(imported), layer(importer)
    if low is None or high is None or low == high:
        return low is not None and high is not None
    if high == "lint":
        return low in LINT_MAY_USE
    if low == "lint":
        return high == "cli"
    return RANK[low] <= RANK[high]


def violations(graph: Mapping[str, Iterable[str]],
               seams: Mapping[tuple[str, str], str] = SEAMS) -> list[str]:
    """Every edge against the layer order that is not a declared seam, as ``a -> b``."""
    return sorted(f"{a} -> {b}" for a, targets in graph.items() for b in targets
                  if not allowed(a, b) and (a, b) not in seams)


def module_name(path: Path, root: Path = SRC) -> str:
    parts = list(path.with_suffix("").relative_to(root).parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(module: str, source: str, is_package: bool, known: set[str]) -> set[str]:
    """The known modules that ``source`` imports anywhere: ``from a.b import c`` is ``a.b.c``
    when that is a module, else ``a.b``; an unknown name counts as its nearest known parent."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = module.split(".") if is_package else module.split(".")[:-1]
                package = package[: len(package) - (node.level - 1)]
                base = ".".join([*package, base] if base else package)
            names = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base
                     for alias in node.names]
        for name in names:
            while name not in known and "." in name:
                name = name.rsplit(".", 1)[0]
            if name in known and name != module:
                found.add(name)
    return found


def import_graph(root: Path = SRC) -> dict[str, set[str]]:
    files = {module_name(p, root): p for p in sorted((root / "flowplan").rglob("*.py"))}
    known = set(files)
    return {m: imports_of(m, p.read_text(), p.name == "__init__.py", known)
            for m, p in files.items()}


def cycles(graph: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (iterative Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in graph:
        if start in index:
            continue
        work = [(start, iter(sorted(graph.get(start, ()))))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return sorted(found)


def unnatural(components: list[list[str]],
              natural: Mapping[str, str] = NATURAL_CYCLES) -> list[list[str]]:
    return [c for c in components
            if not any(all(m.startswith(p + ".") for m in c) for p in natural)]


# -- the source tree -------------------------------------------------------------------------
GRAPH = import_graph()


def test_every_module_has_a_layer() -> None:
    assert [m for m in GRAPH if layer(m) is None] == []


def test_no_import_runs_against_the_layers() -> None:
    assert violations(GRAPH) == []


def test_no_import_cycles_outside_natural_packages() -> None:
    assert unnatural(cycles(GRAPH)) == []


def test_declared_seams_and_natural_cycles_exist() -> None:
    """A seam or natural cycle that no longer exists is removed from the lists."""
    for (a, b) in SEAMS:
        assert b in GRAPH.get(a, ()), f"seam {a} -> {b} is gone: remove it from SEAMS"
    components = cycles(GRAPH)
    for package in NATURAL_CYCLES:
        assert any(c[0].startswith(package + ".") for c in components), package


def test_the_compiler_reaches_the_executor_only_through_its_runtime() -> None:
    """``flowplan.compiler.runtime`` imports nothing above vocabulary; the public API wires
    the executor's runtime into it."""
    assert {layer(m) for m in GRAPH["flowplan.compiler.runtime"]} <= {"vocabulary"}
    assert {"flowplan.compiler.runtime", "flowplan.executor.local_runtime"} <= GRAPH["flowplan"]
    assert not [(a, b) for a, bs in GRAPH.items() for b in bs
                if layer(a) == "compiler" and layer(b) in ("store", "executor")]


# -- the checks themselves, on synthetic modules ---------------------------------------------
def test_an_upward_import_is_caught() -> None:
    graph = {"flowplan.compiler.pipeline": {"flowplan.executor.run", "flowplan.codes"},
             "flowplan.executor.run": {"flowplan.compiler.plan"}}
    assert violations(graph) == ["flowplan.compiler.pipeline -> flowplan.executor.run"]


@pytest.mark.parametrize(("importer", "imported", "ok"), [
    ("flowplan.analyzer.analyze", "flowplan.store.location", False),
    ("flowplan.analyzer.analyze", "flowplan.compiler.plan", False),
    ("flowplan.lint.config", "flowplan.store.location", False),
    ("flowplan.lint.config", "flowplan.executor.run", False),
    ("flowplan.lint.config", "flowplan", False),
    ("flowplan.lint.context", "flowplan.compiler.plan", True),
    ("flowplan.executor.run", "flowplan.lint.runner", False),
    ("flowplan.cli", "flowplan.lint.runner", True),
    ("flowplan.executor.run", "flowplan.client", False),
    ("flowplan.project", "flowplan.store.location", False),
    ("flowplan.store.location", "flowplan.project", True),
    ("flowplan.client", "flowplan.store.views", True),
    ("flowplan.newthing", "flowplan.codes", False),
])
def test_layer_rules(importer: str, imported: str, ok: bool) -> None:
    assert allowed(importer, imported) is ok


def test_a_declared_seam_is_let_through() -> None:
    graph = {"flowplan.compiler.pipeline": {"flowplan.executor.run"}}
    seams = {("flowplan.compiler.pipeline", "flowplan.executor.run"): "why"}
    assert violations(graph, seams) == []


def test_function_level_relative_and_type_checking_imports_count() -> None:
    source = (
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from flowplan.client import PipelineRun\n"
        "def run():\n    from flowplan.executor import run as r\n"
        "    from . import plan\n    import flowplan.store.local\n"
    )
    known = {"flowplan.client", "flowplan.executor", "flowplan.executor.run",
             "flowplan.compiler.plan", "flowplan.compiler.step", "flowplan.store.local"}
    found = imports_of("flowplan.compiler.step", source, False, known)
    assert found == {"flowplan.client", "flowplan.executor.run", "flowplan.compiler.plan",
                     "flowplan.store.local"}


def test_a_cycle_is_caught_unless_inside_a_natural_package() -> None:
    graph = {
        "flowplan.project": {"flowplan.store.location"},
        "flowplan.store.location": {"flowplan.project"},
        "flowplan.compiler.frontends.static.calls": {"flowplan.compiler.frontends.static.steps"},
        "flowplan.compiler.frontends.static.steps": {"flowplan.compiler.frontends.static.calls"},
        "flowplan.codes": set(),
    }
    assert unnatural(cycles(graph)) == [["flowplan.project", "flowplan.store.location"]]
    longer = {"a.x": {"a.y"}, "a.y": {"a.z"}, "a.z": {"a.x", "a.w"}, "a.w": set()}
    assert cycles(longer) == [["a.x", "a.y", "a.z"]]
