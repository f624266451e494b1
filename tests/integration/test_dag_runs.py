"""Random DAGs of arithmetic steps compute what the functions compute, and rerun fully cached."""

from __future__ import annotations

from hypothesis import given, settings

from flowplan import ExecutionStatus
from tests.dags import Dag, build_pipeline, dags, node_id


@settings(max_examples=15)
@given(dags(max_nodes=8))
def test_random_dags_compute_direct_values_and_cache(dag: Dag) -> None:
    pipe = build_pipeline(dag)
    expected = dag.values()
    first = pipe()
    assert [first.steps[node_id(i)].output.load() for i in range(dag.size)] == expected
    second = pipe()
    assert {s.status for s in second.steps.values()} == {ExecutionStatus.CACHED}
    assert [second.steps[node_id(i)].output.load() for i in range(dag.size)] == expected
    for i in range(dag.size):
        assert second.steps[node_id(i)].output.id == first.steps[node_id(i)].output.id
