"""Every example of the reference documents compiles to the plan the documents describe."""

from __future__ import annotations

import pytest

from flowplan.compiler.plan import ArtifactListInput, ArtifactRef, ParameterInput, Plan
from tests.conftest import load_fixture

basics = load_fixture("seeds/basics.py")
advanced = load_fixture("seeds/advanced.py")


def edges(plan: Plan) -> set[tuple[str, str]]:
    return set(plan.edges())


def test_simple_pipeline_wires_load_into_train() -> None:
    plan = basics.simple_ml_pipeline.compile()
    assert plan.ids() == ["load_data", "train_model"]
    assert plan.invocation("train_model").inputs == {
        "data": ArtifactRef(step="load_data", output="output")
    }
    assert [o.name for o in plan.invocation("load_data").outputs] == ["output"]
    assert (
        plan.invocation("load_data").outputs[0].artifact_name
        == "simple_ml_pipeline::load_data::output"
    )
    assert plan.invocation("train_model").outputs == []


def test_parameters_and_pipeline_parameters_are_recorded() -> None:
    plan = basics.my_pipeline.compile(environment="prod")
    assert plan.parameters == {"environment": "prod"}
    inputs = plan.invocation("my_step").inputs
    assert inputs == {"input_1": ParameterInput(value=42), "input_2": ParameterInput(value=43)}


def test_artifact_versus_parameter_inputs() -> None:
    plan = basics.artifact_and_parameter_pipeline.compile()
    inputs = plan.invocation("my_step").inputs
    assert inputs["input_1"] == ArtifactRef(step="some_other_step", output="output")
    assert inputs["input_2"] == ParameterInput(value=42)


def test_after_edges_from_artifacts_and_ids() -> None:
    plan = basics.ordering_pipeline.compile()
    assert plan.invocation("step_c").after == ["step_a", "step_b"]
    assert plan.invocation("step_d").after == ["step_c"]
    assert edges(plan) == {("step_a", "step_c"), ("step_b", "step_c"), ("step_c", "step_d")}


def test_composed_pipelines_are_inlined_with_suffixed_ids() -> None:
    plan = basics.training_pipeline.compile()
    assert plan.ids() == [
        "training_data_loader_step",
        "preprocessing_step",
        "train_model_on",
        "test_data_loader_step",
        "preprocessing_step_2",
        "evaluate_model",
    ]
    assert edges(plan) == {
        ("training_data_loader_step", "preprocessing_step"),
        ("preprocessing_step", "train_model_on"),
        ("test_data_loader_step", "preprocessing_step_2"),
        ("train_model_on", "evaluate_model"),
        ("preprocessing_step_2", "evaluate_model"),
    }


def test_composed_pipeline_returns_its_output() -> None:
    plan = basics.data_pipeline.compile(mode="test")
    assert plan.ids() == ["test_data_loader_step", "preprocessing_step"]
    assert plan.outputs == [ArtifactRef(step="preprocessing_step", output="output")]


def test_output_names_follow_the_conventions() -> None:
    outputs = {
        basics.divide: ["output_0", "output_1"],
        basics.divide_named: ["quotient", "remainder"],
        basics.square_root: ["output"],
        advanced.single_tuple: ["output"],
        advanced.variable_tuple: ["output"],
        advanced.annotated_tuple: ["my_output"],
        advanced.two_outputs: ["output_0", "output_1"],
        advanced.square_root: ["custom_output_name"],
    }
    for step_obj, names in outputs.items():
        assert list(step_obj.signature.output_names) == names, step_obj.name


def test_retry_and_hooks_are_in_the_plan() -> None:
    plan = basics.hooked_pipeline.compile()
    unreliable = plan.invocation("unreliable_step").config
    assert unreliable.retry is not None
    assert (unreliable.retry.max_retries, unreliable.retry.delay, unreliable.retry.backoff) == (
        3,
        10.0,
        2.0,
    )
    hooked = plan.invocation("hooked_step").config
    assert hooked.on_success is not None and hooked.on_success.path.endswith(":success_hook")
    assert hooked.on_success.parameters == ["step_name", "step_output"]
    assert plan.config.on_failure is not None and plan.config.on_failure.path.endswith(
        ":failure_hook"
    )


def test_fan_out_and_fan_in_with_a_list_of_artifacts() -> None:
    plan = basics.fan_pipeline.compile()
    assert plan.ids() == [
        *(["process_chunk"] + [f"process_chunk_{i}" for i in range(2, 6)]),
        "combine_results",
    ]
    fan_in = plan.invocation("combine_results").inputs["results"]
    assert isinstance(fan_in, ArtifactListInput)
    assert [ref.step for ref in fan_in.items] == plan.ids()[:5]
    assert plan.invocation("process_chunk_3").inputs["i"] == ParameterInput(value=2)


def test_step_name_is_an_alias_of_id() -> None:
    plan = basics.custom_id_pipeline.compile()
    assert plan.ids() == ["first_step", "second_step"]


def test_fan_out_fan_in_with_after_and_custom_ids() -> None:
    plan = advanced.fan_out_fan_in_pipeline.compile(parallel_count=8)
    assert plan.ids() == ["load_step", *[f"process_{i}" for i in range(8)], "combine_step"]
    assert plan.invocation("combine_step").after == [f"process_{i}" for i in range(8)]
    assert plan.invocation("combine_step").inputs == {
        "step_prefix": ParameterInput(value="process_"),
        "output_name": ParameterInput(value="output"),
    }
    assert plan.config.enable_cache is False
    assert plan.parameters == {"parallel_count": 8}


def test_invocation_ids_get_suffixes_and_custom_ids() -> None:
    plan = advanced.example_pipeline.compile()
    assert plan.ids() == ["my_step", "my_step_2", "my_custom_invocation_id"]


def test_execution_mode_options() -> None:
    from flowplan.enums import ExecutionMode

    mode = advanced.mode_pipeline
    assert mode.execution_mode is ExecutionMode.CONTINUE_ON_FAILURE  # the CONTINUE_ON_ERROR alias
    assert advanced.my_pipeline_with_fail_fast.execution_mode is ExecutionMode.FAIL_FAST
    clone = mode.with_options()
    clone.configure(execution_mode=advanced.ExecutionMode.STOP_ON_FAILURE)
    assert clone.execution_mode is ExecutionMode.STOP_ON_FAILURE
    assert mode.execution_mode is ExecutionMode.CONTINUE_ON_FAILURE


def test_the_documents_illustrative_pipeline_with_no_step_does_not_compile() -> None:
    """``def mode_pipeline(): ...`` only shows options: compiling it is FP230, at its def."""
    from flowplan.diagnostics import CompileError

    for pipe in (advanced.mode_pipeline, advanced.my_pipeline_with_fail_fast):
        with pytest.raises(CompileError) as caught:
            pipe.compile()
        [found] = caught.value.diagnostics
        assert (found.code, found.line) == ("FP230", pipe.location[1])


def test_run_name_with_placeholders() -> None:
    named = advanced.named_pipeline.with_options(
        run_name="custom_pipeline_run_name_{experiment_name}_{date}_{time}",
        substitutions={"experiment_name": "exp1"},
    )
    assert (
        named.compile().config.run_name
        == "custom_pipeline_run_name_{experiment_name}_{date}_{time}"
    )


@pytest.mark.parametrize(
    "pipe", ["simple_ml_pipeline", "training_pipeline", "fan_pipeline", "hooked_pipeline"]
)
def test_plans_round_trip_through_json(pipe: str) -> None:
    plan = getattr(basics, pipe).compile()
    assert Plan.from_json(plan.to_json()) == plan
