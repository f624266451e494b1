"""A plan's DAG laid out in levels: each step one level below the deepest step it waits for.

Plain data for whoever draws it (``flow dag`` as text, Mermaid or DOT; a UI): nodes in plan
order, labelled edges (``data`` for an artifact, ``order`` for ``after=``) and the levels.
"""

from __future__ import annotations

from dataclasses import dataclass

from flowplan.compiler.plan import ArtifactListInput, ArtifactRef, Plan


@dataclass(frozen=True)
class DagEdge:
    source: str
    target: str
    label: str  # ``output -> input`` for data, ``after`` for order
    kind: str  # "data" | "order"


@dataclass(frozen=True)
class DagLayout:
    pipeline: str
    nodes: dict[str, str]  # invocation id -> step function name, in plan order
    edges: list[DagEdge]
    levels: list[list[str]]  # level 0: steps that wait for nothing

    def level_of(self, node: str) -> int:
        return next(i for i, ids in enumerate(self.levels) if node in ids)


def dag_layout(plan: Plan) -> DagLayout:
    edges: list[DagEdge] = []
    for inv in plan.invocations:
        for name, value in inv.inputs.items():
            refs = [value] if isinstance(value, ArtifactRef) else (
                value.items if isinstance(value, ArtifactListInput) else [])
            edges.extend(DagEdge(r.step, inv.id, f"{r.output} -> {name}", "data") for r in refs)
        edges.extend(DagEdge(dep, inv.id, "after", "order") for dep in inv.after)
    level: dict[str, int] = {}
    for inv in plan.invocations:  # plans list a step after everything it waits for
        level[inv.id] = 1 + max((level.get(d, -1) for d in inv.upstream()), default=-1)
    levels: list[list[str]] = [[] for _ in range(max(level.values(), default=-1) + 1)]
    for inv in plan.invocations:
        levels[level[inv.id]].append(inv.id)
    nodes = {inv.id: inv.step for inv in plan.invocations}
    return DagLayout(plan.pipeline, nodes, edges, levels)
