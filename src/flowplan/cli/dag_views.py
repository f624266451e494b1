"""Drawings of a laid-out DAG (:mod:`flowplan.compiler.dag_layout`): text, Mermaid and DOT,
optionally with each step's status in a stored run."""

from __future__ import annotations

import json
from collections.abc import Mapping

from flowplan.compiler.dag_layout import DagLayout

FORMATS = ("text", "mermaid", "dot")


def render(layout: DagLayout, fmt: str, statuses: Mapping[str, str] | None = None) -> str:
    drawers = {"text": as_text, "mermaid": as_mermaid, "dot": as_dot}
    return drawers[fmt](layout, statuses or {})


def _label(layout: DagLayout, node: str, statuses: Mapping[str, str]) -> str:
    step = layout.nodes[node]
    label = node if step == node else f"{node} ({step})"
    return f"{label} [{statuses[node]}]" if node in statuses else label


def as_text(layout: DagLayout, statuses: Mapping[str, str]) -> str:
    lines = [f"pipeline {layout.pipeline}: {len(layout.nodes)} steps, "
             f"{len(layout.levels)} levels"]
    incoming: dict[str, list[str]] = {}
    for edge in layout.edges:
        text = (f"{edge.source}.{edge.label}" if edge.kind == "data"
                else f"after {edge.source}")
        incoming.setdefault(edge.target, []).append(text)
    for number, nodes in enumerate(layout.levels):
        lines.append(f"level {number}")
        for node in nodes:
            sources = incoming.get(node)
            arrow = f"  <- {', '.join(sources)}" if sources else ""
            lines.append(f"  {_label(layout, node, statuses)}{arrow}")
    return "\n".join(lines)


def _mermaid_id(node: str) -> str:
    return "n_" + "".join(c if c.isalnum() else "_" for c in node)


def as_mermaid(layout: DagLayout, statuses: Mapping[str, str]) -> str:
    lines = ["flowchart TD"]
    for node in layout.nodes:
        text = _label(layout, node, statuses).replace('"', "'")
        lines.append(f'    {_mermaid_id(node)}["{text}"]')
    for edge in layout.edges:
        arrow = "-->" if edge.kind == "data" else "-.->"
        label = edge.label.replace("|", "/").replace('"', "'")
        source, target = _mermaid_id(edge.source), _mermaid_id(edge.target)
        lines.append(f'    {source} {arrow}|"{label}"| {target}')
    return "\n".join(lines)


def as_dot(layout: DagLayout, statuses: Mapping[str, str]) -> str:
    lines = [f"digraph {json.dumps(layout.pipeline)} {{", "    rankdir=TB;",
             "    node [shape=box];"]
    for node in layout.nodes:
        label = json.dumps(_label(layout, node, statuses))
        lines.append(f"    {json.dumps(node)} [label={label}];")
    for nodes in layout.levels:
        lines.append("    { rank=same; " + " ".join(json.dumps(n) + ";" for n in nodes) + " }")
    for edge in layout.edges:
        style = "" if edge.kind == "data" else ", style=dashed"
        lines.append(f"    {json.dumps(edge.source)} -> {json.dumps(edge.target)}"
                     f" [label={json.dumps(edge.label)}{style}];")
    lines.append("}")
    return "\n".join(lines)
