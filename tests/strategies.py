"""Hypothesis strategies shared by the test suite: plain strategy functions, one module.

DAGs are acyclic by construction -- each node draws its parents from the nodes before it --
and shrink towards fewer nodes and fewer edges.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from hypothesis import strategies as st

from flowplan.enums import ExecutionMode

DATA = "data"
AFTER = "after"


@dataclass(frozen=True)
class Dag:
    """``edges[i]`` holds ``(parent, kind)`` pairs, every parent < i; kind is data or after."""

    edges: tuple[tuple[tuple[int, str], ...], ...]

    @property
    def size(self) -> int:
        return len(self.edges)

    def parents(self, node: int) -> list[int]:
        return [parent for parent, _ in self.edges[node]]

    def data_parents(self, node: int) -> list[int]:
        return [parent for parent, kind in self.edges[node] if kind == DATA]

    def after_parents(self, node: int) -> list[int]:
        return [parent for parent, kind in self.edges[node] if kind == AFTER]


@st.composite
def dags(draw: st.DrawFn, min_nodes: int = 1, max_nodes: int = 8, max_parents: int = 3) -> Dag:
    """A DAG whose node i depends on a few of the nodes 0..i-1, by data or by ``after=``."""
    size = draw(st.integers(min_nodes, max_nodes))
    edges: list[tuple[tuple[int, str], ...]] = []
    for node in range(size):
        parents = (
            draw(st.lists(st.integers(0, node - 1), max_size=min(node, max_parents), unique=True))
            if node
            else []
        )
        kinds = [draw(st.sampled_from((DATA, AFTER))) for _ in parents]
        edges.append(tuple(sorted(zip(parents, kinds, strict=True))))
    return Dag(tuple(edges))


def failure_sets(dag: Dag, max_size: int = 3) -> st.SearchStrategy[frozenset[int]]:
    """Which nodes of ``dag`` fail (possibly none)."""
    return st.frozensets(st.integers(0, dag.size - 1), max_size=max_size)


def execution_modes() -> st.SearchStrategy[ExecutionMode]:
    return st.sampled_from(
        (ExecutionMode.CONTINUE_ON_FAILURE, ExecutionMode.STOP_ON_FAILURE, ExecutionMode.FAIL_FAST)
    )


@st.composite
def dags_with_failures(
    draw: st.DrawFn, max_nodes: int = 8
) -> tuple[Dag, frozenset[int], ExecutionMode]:
    """A DAG, the nodes that fail, and an execution mode."""
    dag = draw(dags(max_nodes=max_nodes))
    return dag, draw(failure_sets(dag)), draw(execution_modes())


# -- generated pipeline programs (the static/tracing front-end property) ------------------

PROGRAM_HEADER = '''\
from typing import List, Tuple

from flowplan import pipeline, step


@step
def produce(seed: int = 0) -> int:
    return seed


@step
def combine(a: int, b: int) -> int:
    return a + b


@step
def scale(x: int, factor: float = 1.0) -> int:
    return int(x * factor)


@step
def total(values: List[int]) -> int:
    return sum(values)


@step
def split(x: int) -> Tuple[int, int]:
    return x, x


@step
def notify() -> None:
    pass


@pipeline
def inner(seed: int = 1) -> int:
    return scale(produce(seed), factor=2.0)
'''


@st.composite
def pipeline_programs(draw: st.DrawFn, max_calls: int = 8) -> str:
    """The source of a module in the static subset: a pipeline whose body is a random DAG of
    step calls -- ids, ``after=``, literal parameters, fan-out over a literal ``range`` with
    fan-in, a branch on a parameter with a default, a composed pipeline.  Its pipeline is
    named ``generated``."""
    flag = draw(st.booleans())
    lines = [f"@pipeline\ndef generated(flag: bool = {flag}, n: int = 2) -> None:"]
    values: list[str] = []  # variables holding int artifacts
    ids: list[str] = []
    used: set[str] = set()
    for index in range(draw(st.integers(1, max_calls))):
        kind = draw(st.sampled_from(["produce", "combine", "scale", "fan", "split", "notify",
                                     "branch", "inner"]))
        custom = draw(st.booleans())
        call_id = f"call_{index}"
        extra = f', id="{call_id}"' if custom else ""
        if ids and draw(st.booleans()):
            extra += f', after="{draw(st.sampled_from(ids))}"'
        name = f"v{index}"
        pick = (lambda: draw(st.sampled_from(values))) if values else None
        if kind == "combine" and pick:
            lines.append(f"    {name} = combine({pick()}, b={pick()}{extra})")
        elif kind == "scale" and pick:
            factor = draw(st.sampled_from(["", ", factor=0.5", ", 3.0"]))
            lines.append(f"    {name} = scale({pick()}{factor}{extra})")
        elif kind == "fan":
            width = draw(st.integers(1, 4))
            lines += [f"    parts_{index} = []", f"    for i in range({width}):",
                      f"        parts_{index}.append(produce(i, id=f\"part_{index}_{{i}}\"))",
                      f"    {name} = total(parts_{index}{extra})"]
        elif kind == "split" and pick:
            lines.append(f"    {name}, other_{index} = split({pick()}{extra})")
        elif kind == "notify":
            lines.append(f"    notify({extra.lstrip(', ')})")
            name = ""
        elif kind == "branch":
            lines += ["    if flag:", f"        {name} = produce(1{extra})", "    else:",
                      f"        {name} = produce(seed=2{extra})"]
        elif kind == "inner":
            lines.append(f"    {name} = inner(seed={draw(st.integers(0, 9))})")
        else:
            lines.append(f"    {name} = produce({draw(st.integers(0, 9))}{extra})")
        if custom:
            ids.append(call_id)
            used.add(call_id)
        elif kind in ("produce", "combine", "scale", "split", "notify") and kind not in used:
            ids.append(kind)
            used.add(kind)
        if name:
            values.append(name)
    return PROGRAM_HEADER + "\n\n" + "\n".join(lines) + "\n"


ANNOTATION_NAMES = ("int", "str", "float", "None", "Any", "Tuple", "tuple", "List", "list",
                    "Dict", "Optional", "Union", "Annotated", "typing.Tuple", "T")
ANNOTATION_LEAVES = ('"out"', "'Tuple[int, str]'", "()", "...", "0", "[]", "b''")
GENERIC_NAMES = ("Tuple", "tuple", "List", "Dict", "Optional", "Union", "Annotated",
                 "typing.Tuple", "T", "list", "dict")


def annotations() -> st.SearchStrategy[str]:
    """Annotation expressions, sensible or not: nested generics, ``tuple[()]``, strings,
    unions, constants where types belong (all valid Python)."""
    leaves = st.sampled_from(ANNOTATION_NAMES) | st.sampled_from(ANNOTATION_LEAVES)

    def extend(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        generic = st.builds(lambda head, args: f"{head}[{', '.join(args)}]",
                            st.sampled_from(GENERIC_NAMES), st.lists(inner, min_size=1,
                                                                     max_size=3))
        union = st.builds(lambda a, b: f"{a} | {b}", inner, inner)
        return generic | union | st.builds(lambda a: f'"{a}"', inner.filter(
            lambda a: '"' not in a and "\\" not in a))

    return st.recursive(leaves, extend, max_leaves=6)


STEPS_SPLICED = '''{module}
import typing
from typing import Annotated, Any, Dict, List, Optional, Tuple, Union
from typing import Tuple as T

from {spelling} import pipeline, step


@step{options}
def first(x: {parameter} = {default}) -> {returns}:
{in_step}
    return x


@step
def second(a: {parameter}, b: int = 1) -> {returns}:
    return a, b


@pipeline
def spliced() -> None:
{in_pipeline}
    out = first()
    second(out)
    second(first(x={default}, id="again"), b=out)
{at_module}'''


def indented(code: str) -> str:
    lines = [f"    {line}" if line.strip() else "" for line in code.splitlines()]
    return "\n".join(lines) or "    pass"


@functools.cache
def python_modules() -> st.SearchStrategy[str]:
    """hypothesmith's modules from Python's grammar (the grammar is compiled once)."""
    import hypothesmith

    return hypothesmith.from_grammar()


@st.composite
def modules_with_steps(draw: st.DrawFn) -> str:
    """A module hypothesmith generates (any valid Python, often odd) spliced into a file of
    decorated steps in either spelling: at module level, as a step's body, as a pipeline's
    body; with generated annotations and defaults, and module-level calls."""
    code = draw(python_modules())
    places = draw(st.sets(st.sampled_from(["module", "step", "pipeline"]), min_size=1))
    calls = draw(st.sampled_from(["", "spliced()", "first()", "second(1)", "first(x=None)"]))
    return STEPS_SPLICED.format(
        module=code if "module" in places else "",
        spelling=draw(st.sampled_from(["flowplan", "zenml"])),
        options=draw(st.sampled_from(["", "(enable_cache=False)", "()", "(name=1)"])),
        parameter=draw(annotations()),
        returns=draw(annotations()),
        default=draw(st.sampled_from(["1", "None", "()", "[]", "'x'", "{'a': 1}"])),
        in_step=indented(code) if "step" in places else "    pass",
        in_pipeline=indented(code) if "pipeline" in places else "    pass",
        at_module=f"\n{calls}\n" if calls else "",
    )
