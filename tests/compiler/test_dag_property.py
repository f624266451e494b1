"""Random DAGs built through the public API compile to plans whose edges equal the graph."""

from __future__ import annotations

from hypothesis import given

from flowplan.compiler.plan import ArtifactListInput, Plan
from tests.dags import Dag, build_pipeline, dags, node_id


@given(dags(max_nodes=12))
def test_compiled_edges_equal_the_generated_graph(dag: Dag) -> None:
    plan = build_pipeline(dag).compile()
    assert plan.ids() == [node_id(i) for i in range(dag.size)]
    assert set(plan.edges()) == dag.edges()
    for i in range(dag.size):
        inv = plan.invocation(node_id(i))
        if dag.data[i]:
            values = inv.inputs["values"]
            assert isinstance(values, ArtifactListInput)
            assert [r.step for r in values.items] == [node_id(p) for p in dag.data[i]]
        assert inv.after == [node_id(p) for p in dag.order[i]]


@given(dags(max_nodes=12))
def test_plans_round_trip_through_json_unchanged(dag: Dag) -> None:
    plan = build_pipeline(dag).compile()
    text = plan.to_json()
    again = Plan.from_json(text)
    assert again == plan
    assert again.to_json() == text
    assert again.fingerprint() == plan.fingerprint()
