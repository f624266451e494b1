"""The run DAG's layout (levels, rows, folded fan-outs) and its SVG."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

from hypothesis import given

from flowplan.ui.dag_layout import Edge, layout, plan_graph
from flowplan.ui.dag_svg import STATUS_COLOURS, render_svg
from tests.strategies import DATA, Dag, dags

SVG = "{http://www.w3.org/2000/svg}"


def fan_plan(width: int) -> str:
    invocations = [{"id": "load", "step": "load", "inputs": {}}]
    for i in range(width):
        invocations.append({
            "id": f"sq_{i}", "step": "square",
            "inputs": {"numbers": {"kind": "artifact", "step": "load", "output": "numbers"},
                       "index": {"kind": "parameter", "value": i}},
        })
    invocations.append({
        "id": "total", "step": "total",
        "inputs": {"values": {"kind": "artifact_list", "items": [
            {"step": f"sq_{i}", "output": "squared"} for i in range(width)]}},
        "after": ["load"],
    })
    return json.dumps({"pipeline": "fan", "invocations": invocations})


def test_levels_follow_dependencies_and_edges_carry_output_names() -> None:
    nodes, edges = plan_graph(fan_plan(3))
    laid = layout(nodes, edges, {"load": "completed"})
    level = {n.id: n.level for n in laid.nodes}
    assert level == {"load": 0, "sq_0": 1, "sq_1": 1, "sq_2": 1, "total": 2}
    assert (laid.levels, laid.rows, laid.collapsed) == (3, 3, 0)
    labels = {(e.source, e.target): e.label for e in laid.edges}
    assert labels[("load", "sq_1")] == "numbers"
    assert labels[("sq_2", "total")] == "squared"
    assert labels[("load", "total")] == ""  # after=, drawn dashed
    assert {n.id: n.status for n in laid.nodes}["total"] == "pending"


def test_wide_fan_outs_fold_into_one_node_unless_expanded() -> None:
    nodes, edges = plan_graph(fan_plan(1000))
    statuses = {f"sq_{i}": "completed" for i in range(990)} | {"sq_990": "failed"}
    folded = layout(nodes, edges, statuses)
    assert [n.id for n in folded.nodes] == ["load", "square \u00d71000", "total"]
    group = folded.nodes[1]
    assert (group.status, group.counts) == ("failed", {"completed": 990, "failed": 1,
                                                       "pending": 9})
    assert {(e.source, e.target) for e in folded.edges} == {
        ("load", group.id), (group.id, "total"), ("load", "total")}
    whole = layout(nodes, edges, statuses, collapse_at=None)
    assert len(whole.nodes) == 1002 and whole.rows == 1000


@given(dags(max_nodes=12))
def test_every_edge_points_to_a_later_level_and_rows_are_distinct(dag: Dag) -> None:
    nodes = [(f"n{i}", "f") for i in range(dag.size)]
    edges = [Edge(f"n{p}", f"n{i}", "output" if kind == DATA else "")
             for i in range(dag.size) for p, kind in dag.edges[i]]
    laid = layout(nodes, edges, {})
    at = {n.id: (n.level, n.row) for n in laid.nodes}
    assert len(set(at.values())) == dag.size
    assert all(at[e.source][0] < at[e.target][0] for e in edges)
    for node in laid.nodes:  # a node sits one level below its deepest parent
        parents = [at[e.source][0] for e in edges if e.target == node.id]
        assert node.level == (max(parents) + 1 if parents else 0)


def test_svg_is_well_formed_coloured_by_status_and_escapes_names() -> None:
    nodes = [("<b>&load", "load"), ("train", "train")]
    edges = [Edge("<b>&load", "train", 'data"<x>')]
    svg = render_svg(layout(nodes, edges, {"<b>&load": "failed", "train": "cached"}), "train")
    root = ET.fromstring(svg)  # escaped text keeps the SVG well-formed XML
    groups = root.findall(f"{SVG}g")
    assert [g.get("data-step") for g in groups] == ["<b>&load", "train"]
    fills = [g.find(f"{SVG}a/{SVG}rect").get("fill") for g in groups]  # type: ignore[union-attr]
    assert fills == [STATUS_COLOURS["failed"], STATUS_COLOURS["cached"]]
    label = root.find(f"{SVG}text")
    assert label is not None and label.text == 'data"<x>'
    assert "<b>" not in svg


def test_a_run_without_a_plan_has_no_planned_steps() -> None:
    assert plan_graph(None) == ([], [])
