"""Seed 000's examples run, and their results are read back through the Client."""

from __future__ import annotations

import pytest

from flowplan import Client, ExecutionStatus, get_step_context
from flowplan.diagnostics import FlowplanError, StepContextError
from flowplan.executor.errors import RunFailedError
from tests.conftest import load_fixture

basics = load_fixture("seeds/basics.py")
advanced = load_fixture("seeds/advanced.py")
S = ExecutionStatus


def test_simple_pipeline_runs_and_reads_back(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("FLOWPLAN_QUIET")
    run = basics.simple_ml_pipeline()
    assert run.status is S.COMPLETED
    assert list(run.steps) == ["load_data", "train_model"]
    loaded = run.steps["load_data"].output.load()
    assert loaded == {"features": [[1, 2], [3, 4], [5, 6]], "labels": [0, 1, 0]}
    assert "Feature sum is 21, label sum is 1" in run.steps["train_model"].logs["stdout"]
    err = capsys.readouterr().err
    assert f"Run {run.name} completed; 2/2 done in " in err
    again = Client().get_pipeline_run(run.name)
    assert again.id == run.id and Client().get_pipeline_run(str(run.id)).name == run.name
    assert Client().get_pipeline_run(run.id).status.is_finished


def test_second_run_is_cached_with_the_same_artifacts() -> None:
    first = basics.simple_ml_pipeline()
    second = basics.simple_ml_pipeline()
    assert [s.status for s in second.steps.values()] == [S.CACHED, S.CACHED]
    assert second.steps["load_data"].output.id == first.steps["load_data"].output.id


def test_caching_levels() -> None:
    basics.simple_ml_pipeline()
    off = basics.simple_ml_pipeline.with_options(enable_cache=False)()
    assert {s.status for s in off.steps.values()} == {S.COMPLETED}
    step_on = basics.load_data.with_options(enable_cache=True)

    from flowplan import pipeline

    @pipeline(enable_cache=False)
    def mixed() -> None:
        step_on()
        basics.train_model(basics.load_data())

    mixed()
    run = mixed()
    assert run.steps["load_data"].status is S.CACHED  # the step's own setting wins
    assert run.steps["load_data_2"].status is S.COMPLETED
    assert run.steps["train_model"].status is S.COMPLETED


def test_configure_in_place_turns_the_cache_off() -> None:
    from flowplan import pipeline, step

    @step
    def counted() -> int:
        return 1

    @pipeline
    def pipe() -> None:
        counted()

    pipe()
    assert pipe().steps["counted"].status is S.CACHED
    counted.configure(enable_cache=False)
    assert pipe().steps["counted"].status is S.COMPLETED
    counted.configure(enable_cache=True)
    pipe.configure(enable_cache=False)
    assert pipe().steps["counted"].status is S.CACHED  # step-level True beats pipeline False


def test_parameters_after_composition_and_fan_in() -> None:
    run = basics.my_pipeline(environment="dev")
    assert run.parameters == {"environment": "dev"}
    assert run.steps["my_step"].config.parameters == {"input_1": 42, "input_2": 43}
    order = list(basics.ordering_pipeline().steps)
    assert order.index("step_c") > max(order.index("step_a"), order.index("step_b"))
    assert order.index("step_d") > order.index("step_c")
    run = basics.training_pipeline()
    assert run.steps["evaluate_model"].output.load() == pytest.approx(abs(8 - 4) + abs(10 - 4))
    assert basics.fan_pipeline().steps["combine_results"].output.load() == sum(
        i * i for i in range(5)
    )


def test_custom_ids_and_output_names() -> None:
    run = basics.custom_id_pipeline()
    assert list(run.steps) == ["first_step", "second_step"]

    from flowplan import pipeline

    @pipeline
    def divider() -> None:
        basics.divide_named(7, 2)

    step_run = divider().steps["divide_named"]
    assert step_run.outputs["quotient"][0].load() == 3
    assert step_run.outputs["remainder"][0].load() == 1
    assert step_run.outputs["quotient"][0].name == "quotient"
    assert Client().get_artifact_version("remainder").load() == 1


def test_fan_out_fan_in_with_client_in_a_step(capsys: pytest.CaptureFixture[str]) -> None:
    run = advanced.fan_out_fan_in_pipeline(parallel_count=3)
    assert run.status is S.COMPLETED
    logs = run.steps["combine_step"].logs["stdout"]
    assert logs.strip() == ",".join(f"process_{i}: Hello from ZenML!" for i in range(3))


def test_single_step_calls() -> None:
    assert basics.divide(a=7, b=2) == (3, 1)
    runs = Client().list_pipeline_runs(pipeline="divide_single_step")
    assert len(runs) == 1 and runs[0].unlisted
    assert basics.divide.entrypoint(a=9, b=4) == (2, 1)


def test_single_steps_without_stack(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLOWPLAN_RUN_SINGLE_STEPS_WITHOUT_STACK", "true")
    assert basics.square_root(16) == 4.0
    assert Client().list_pipeline_runs() == []


def test_named_runs_are_unique_and_refused_before_any_step() -> None:
    named = advanced.named_pipeline.with_options(
        run_name="custom_{experiment_name}_{date}", substitutions={"experiment_name": "e1"}
    )
    run = named()
    assert run.name.startswith("custom_e1_")
    with pytest.raises(FlowplanError) as info:
        named()
    assert info.value.code == "FP501"
    assert len(Client().list_pipeline_runs(pipeline="named_pipeline")) == 1


def test_default_run_name_format() -> None:
    import re

    run = advanced.named_pipeline()
    assert re.fullmatch(r"named_pipeline-\d{4}_\d{2}_\d{2}-\d{2}_\d{2}_\d{2}_\d{6}", run.name)


def test_step_context_outside_a_step_is_a_clear_error() -> None:
    with pytest.raises(StepContextError) as info:
        get_step_context()
    assert info.value.code == "FP507"


def test_failed_step_raises_run_failed_error_with_the_run() -> None:
    from flowplan import pipeline, step

    @step
    def boom() -> int:
        raise ValueError("broken")

    @step
    def after_boom(x: int) -> int:
        return x

    @pipeline
    def failing() -> None:
        after_boom(boom())

    with pytest.raises(RunFailedError) as info:
        failing()
    run = info.value.run
    assert run.status is S.FAILED
    assert run.steps["boom"].status is S.FAILED
    assert "ValueError: broken" in (run.steps["boom"].error or "")
    assert run.steps["after_boom"].status is S.SKIPPED
    assert Client().list_pipeline_runs(status="failed")[0].id == run.id
