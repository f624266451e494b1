"""Hypothesis strategies shared by the test suite: plain strategy functions, one module.

DAGs are acyclic by construction -- each node draws its parents from the nodes before it --
and shrink towards fewer nodes and fewer edges.
"""

from __future__ import annotations

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
