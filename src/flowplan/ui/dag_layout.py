"""A run's DAG laid out by dependency level, for drawing (no drawing here).

Nodes come from the run's compiled plan (so steps that have not started yet are there too),
or, for a run recorded without a plan, from its step runs.  A node's level is the length of
the longest path from a root to it; within a level, nodes are ordered by the mean row of
their parents (one sweep, ties in plan order), which keeps fan-outs beside their source.
A fan-out wider than ``collapse_at`` (steps of one function in one level) is folded into one
group node unless the page asks to expand it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

COLLAPSE_AT = 60  # fan-outs of more steps than this are folded into one node by default


@dataclass
class Node:
    """One step (``members`` is empty), or a folded fan-out of several steps of one function."""

    id: str
    step: str
    status: str
    level: int = 0
    row: int = 0
    members: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)  # status -> members (groups only)


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    label: str  # the output names carried, "" for an ``after=`` dependency


@dataclass
class Layout:
    nodes: list[Node]
    edges: list[Edge]
    levels: int
    rows: int  # the most nodes in one level
    collapsed: int  # how many fan-outs were folded


def plan_graph(plan_json: str | None) -> tuple[list[tuple[str, str]], list[Edge]]:
    """``([(invocation id, step name)], edges)`` from a plan's JSON (nothing without one)."""
    if not plan_json:
        return [], []
    plan: dict[str, Any] = json.loads(plan_json)
    nodes: list[tuple[str, str]] = []
    edges: list[Edge] = []
    for inv in plan.get("invocations", []):
        nodes.append((inv["id"], inv["step"]))
        labels: dict[str, list[str]] = {}
        for value in inv.get("inputs", {}).values():
            refs = [value] if value.get("kind") == "artifact" else value.get("items", [])
            for ref in refs:
                names = labels.setdefault(ref["step"], [])
                if ref["output"] not in names:
                    names.append(ref["output"])
        for dep in inv.get("after", []):
            labels.setdefault(dep, [])
        edges.extend(Edge(src, inv["id"], ", ".join(names)) for src, names in labels.items())
    return nodes, edges


def layout(
    nodes: Sequence[tuple[str, str]],
    edges: Sequence[Edge],
    statuses: Mapping[str, str],
    *,
    collapse_at: int | None = COLLAPSE_AT,
) -> Layout:
    """Place ``nodes`` (``(id, step name)`` in plan order) by level and row."""
    order = {node_id: i for i, (node_id, _) in enumerate(nodes)}
    parents: dict[str, list[str]] = {node_id: [] for node_id in order}
    for edge in edges:
        if edge.source in order and edge.target in order:
            parents[edge.target].append(edge.source)
    level = _levels(parents, order)
    placed = [Node(i, step, statuses.get(i, "pending"), level[i]) for i, step in nodes]
    folded, collapsed = _fold(placed, collapse_at)
    rows = _order_rows(folded, parents)
    by_id = {m: n.id for n in folded for m in (n.members or [n.id])}
    merged: dict[tuple[str, str], list[str]] = {}
    for edge in edges:
        if edge.source in by_id and edge.target in by_id:
            names = merged.setdefault((by_id[edge.source], by_id[edge.target]), [])
            names.extend(n for n in edge.label.split(", ") if n and n not in names)
    return Layout(
        nodes=folded,
        edges=[Edge(s, t, ", ".join(names)) for (s, t), names in merged.items()],
        levels=1 + max((n.level for n in folded), default=-1),
        rows=rows,
        collapsed=collapsed,
    )


def _levels(parents: Mapping[str, list[str]], order: Mapping[str, int]) -> dict[str, int]:
    """Longest path from a root, by an iterative depth-first walk (plans list producers
    first, so it rarely descends); a cycle in a damaged plan is cut, not followed."""
    level: dict[str, int] = {}
    visiting: set[str] = set()
    for start in sorted(parents, key=order.__getitem__):
        stack = [start]
        while stack:
            node_id = stack[-1]
            if node_id in level:
                stack.pop()
                continue
            visiting.add(node_id)
            waiting = [p for p in parents[node_id] if p not in level and p not in visiting]
            if waiting:
                stack.extend(waiting)
                continue
            stack.pop()
            visiting.discard(node_id)
            level[node_id] = 1 + max((level.get(p, -1) for p in parents[node_id]), default=-1)
    return level


def _fold(nodes: list[Node], collapse_at: int | None) -> tuple[list[Node], int]:
    """Fold the steps of one function within one level into a group when there are many."""
    if collapse_at is None:
        return nodes, 0
    groups: dict[tuple[int, str], list[Node]] = {}
    for node in nodes:
        groups.setdefault((node.level, node.step), []).append(node)
    big = {key for key, members in groups.items() if len(members) > collapse_at}
    out: list[Node] = []
    for node in nodes:
        key = (node.level, node.step)
        if key not in big:
            out.append(node)
        elif groups[key][0] is node:
            members = groups[key]
            counts: dict[str, int] = {}
            for member in members:
                counts[member.status] = counts.get(member.status, 0) + 1
            status = _group_status(counts)
            out.append(
                Node(f"{node.step} \u00d7{len(members)}", node.step, status, node.level,
                     members=[m.id for m in members], counts=counts)
            )
    return out, len(big)


def _group_status(counts: Mapping[str, int]) -> str:
    for status in ("failed", "running", "stopped", "pending", "initializing", "skipped"):
        if counts.get(status):
            return status
    return "cached" if set(counts) == {"cached"} else "completed"


def _order_rows(nodes: Iterable[Node], parents: Mapping[str, list[str]]) -> int:
    """Give each node its row within its level; return the most rows of any level."""
    by_level: dict[int, list[Node]] = {}
    for node in nodes:
        by_level.setdefault(node.level, []).append(node)
    row_of: dict[str, float] = {}
    widest = 0
    for level in sorted(by_level):
        members = by_level[level]
        widest = max(widest, len(members))

        def weight(item: tuple[int, Node], size: int = len(members)) -> tuple[float, int]:
            index, node = item
            rows = [row_of[p] for m in (node.members or [node.id]) for p in parents.get(m, [])
                    if p in row_of]
            return (sum(rows) / len(rows) if rows else index - size / 2, index)

        for row, (_, node) in enumerate(sorted(enumerate(members), key=weight)):
            node.row = row
            for member in node.members or [node.id]:
                row_of[member] = row - len(members) / 2
    return widest
