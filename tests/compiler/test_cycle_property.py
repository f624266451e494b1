"""Property: a cycle report names a real cycle of the graph, carried as data on the
diagnostic (``Diagnostic.subjects``), not only in its text; a graph without one gets none."""

from __future__ import annotations

from itertools import pairwise

import networkx as nx
from hypothesis import given
from hypothesis import strategies as st

from flowplan.compiler.plan import Invocation, OutputDef, Plan, SourceLocation, StepSource
from flowplan.compiler.validate import validate


@st.composite
def graphs(draw: st.DrawFn, max_nodes: int = 7) -> dict[str, list[str]]:
    """Any directed graph (cycles, self-loops and all): each node runs after some others."""
    size = draw(st.integers(1, max_nodes))
    ids = [f"s{i}" for i in range(size)]
    return {node: draw(st.lists(st.sampled_from(ids), unique=True, max_size=3)) for node in ids}


def _plan(graph: dict[str, list[str]]) -> Plan:
    invocations = [
        Invocation(
            id=node,
            step=node,
            source=StepSource(module="m", qualname=node, path="m.py", line=1),
            location=SourceLocation(path="m.py", line=10 + i, column=5),
            after=list(after),
            outputs=[OutputDef(name="output", artifact_name=f"p::{node}::output")],
        )
        for i, (node, after) in enumerate(graph.items())
    ]
    return Plan(pipeline="p", source=StepSource(module="m", qualname="p"), invocations=invocations)


@given(graphs())
def test_a_cycle_report_names_a_real_cycle(graph: dict[str, list[str]]) -> None:
    edges = {(before, node) for node, after in graph.items() for before in after}
    reports = [d for d in validate(_plan(graph), use_cache=False) if d.code == "FP201"]
    digraph = nx.DiGraph(list(edges))
    digraph.add_nodes_from(graph)
    if nx.is_directed_acyclic_graph(digraph):
        assert reports == []
        return
    assert len(reports) == 1
    cycle = reports[0].subjects
    assert len(cycle) >= 2 and cycle[0] == cycle[-1]
    assert len(set(cycle[:-1])) == len(cycle) - 1  # a simple cycle: no node twice
    assert all((a, b) in edges for a, b in pairwise(cycle))
    assert " -> ".join(cycle) in reports[0].message
    assert reports[0].to_json()["subjects"] == list(cycle)


@given(graphs())
def test_the_static_front_end_reports_the_cycles_the_validator_reports(
    graph: dict[str, list[str]],
) -> None:
    from flowplan.compiler.frontends.static.plans import validate_plan

    plan = _plan(graph)
    static = [d for d in validate_plan(plan) if d.code == "FP201"]
    assert static == [d for d in validate(plan, use_cache=False) if d.code == "FP201"]
