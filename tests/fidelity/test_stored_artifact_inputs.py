"""An artifact version of an earlier run is a step input: inside a pipeline, and to a step
called on its own."""

from __future__ import annotations

import pytest

from flowplan import Client, pipeline, step


class Opaque:  # not JSON: stored with cloudpickle
    def __init__(self, n: int) -> None:
        self.n = n


@step
def make_rows() -> list[int]:
    return [1, 2, 3]


@step
def make_opaque() -> Opaque:
    return Opaque(7)


@step
def total(rows: list[int]) -> int:
    return sum(rows)


@step
def unwrap(box: Opaque) -> int:
    return box.n


@pipeline
def producing() -> None:
    make_rows()
    make_opaque()


@pytest.mark.parametrize("isolation", ["thread", "process"])
def test_an_earlier_artifact_feeds_a_pipeline(isolation: str) -> None:
    earlier = producing()
    rows = Client().get_artifact_version("producing::make_rows::output")
    box = Client().get_pipeline_run(earlier.id).steps["make_opaque"].output

    @pipeline(settings={"orchestrator": {"isolation": isolation}})
    def consuming() -> None:
        total(rows)
        unwrap(box=box)

    run = consuming()
    assert run.steps["total"].output.load() == 6
    assert run.steps["unwrap"].output.load() == 7
    stored = Client().get_pipeline_run(run.id).steps["total"]
    assert [a.id for a in stored.inputs["rows"]] == [rows.id]
    again = consuming()  # same artifact content: a cache hit
    assert again.steps["total"].status.value == "cached"


def test_an_earlier_artifact_feeds_a_single_step_call() -> None:
    producing()
    box = Client().get_artifact_version("producing::make_opaque::output")
    assert unwrap(box) == 7
    assert total(rows=Client().get_artifact_version("producing::make_rows::output")) == 6
