"""What a user reaches for next on the Client: pipelines with their runs, runs by pipeline,
and on a cached step the step run it reused."""

from __future__ import annotations

from flowplan import Client, pipeline, step


@step
def number() -> int:
    return 4


@step
def double(x: int) -> int:
    return 2 * x


@pipeline
def doubling() -> None:
    double(number())


def test_cached_step_names_the_step_run_it_reused() -> None:
    first = doubling()
    second = doubling()
    for name in ("number", "double"):
        original = first.steps[name]
        reused = Client().get_pipeline_run(second.id).steps[name]
        assert reused.status.value == "cached"
        assert reused.original_step_run_id == original.id
        assert Client().get_pipeline_run(first.id).steps[name].original_step_run_id is None


def test_pipelines_with_their_runs_and_runs_by_pipeline_name() -> None:
    import pytest

    from flowplan.diagnostics import StoreError

    first = doubling()
    second = doubling()
    pipe = Client().get_pipeline("doubling")
    assert [r.id for r in pipe.runs] == [second.id, first.id]
    assert pipe.last_run.id == second.id
    assert pipe.last_successful_run.id == second.id
    assert [p.name for p in Client().list_pipelines()] == ["doubling"]
    runs = Client().list_pipeline_runs(pipeline_name="doubling")
    assert [r.id for r in runs] == [second.id, first.id]
    assert Client().list_pipeline_runs(pipeline_name="other") == []
    with pytest.raises(StoreError) as info:
        Client().get_pipeline("dubling")
    assert info.value.code == "FP520" and "did you mean `doubling`" in str(info.value)
