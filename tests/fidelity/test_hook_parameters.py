"""The documents' failure-hook example: the step context shows defaulted parameters too."""

from __future__ import annotations

import pytest

from flowplan import Client, RunFailedError, get_step_context, pipeline, step

seen: list[dict[str, object]] = []


def on_failure(exception: BaseException) -> None:
    context = get_step_context()
    print(f"Parameters: {context.step_run.config.parameters}")
    seen.append(dict(context.step_run.config.parameters))


@step(on_failure=on_failure)
def my_step(some_parameter: int = 1) -> None:
    raise ValueError("My exception")


@pipeline
def hook_pipeline() -> None:
    my_step()


def test_the_hook_example_prints_the_defaulted_parameter() -> None:
    seen.clear()
    with pytest.raises(RunFailedError) as info:
        hook_pipeline()
    assert seen == [{"some_parameter": 1}]
    step_run = Client().get_pipeline_run(info.value.run.id).steps["my_step"]
    assert step_run.config.parameters == {"some_parameter": 1}
    assert "Parameters: {'some_parameter': 1}" in step_run.logs["stdout"]


def test_a_given_parameter_wins_over_its_default() -> None:
    @step
    def scaled(factor: int = 2, offset: int = 0) -> int:
        return factor + offset

    @pipeline
    def given() -> None:
        scaled(factor=5)

    run = given()
    assert run.steps["scaled"].config.parameters == {"factor": 5, "offset": 0}
