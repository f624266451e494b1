"""Plans read back from JSON are validated: unknown keys and wrong shapes are refused."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from flowplan.compiler.plan import (
    ArtifactListInput,
    ArtifactRef,
    Invocation,
    OutputDef,
    ParameterInput,
    Plan,
    StepSource,
    TypeExpr,
)
from flowplan.compiler.settings import OrchestratorSettings, orchestrator_settings


def sample() -> Plan:
    source = StepSource(module="m", qualname="s")
    return Plan(
        pipeline="p",
        source=StepSource(module="m", qualname="p"),
        parameters={"n": 3},
        invocations=[
            Invocation(
                id="b",
                step="s",
                source=source,
                outputs=[OutputDef(name="o", artifact_name="p::b::o",
                                   type=TypeExpr(name="builtins.list",
                                                 args=(TypeExpr(name="builtins.int"),)))],
            ),
            Invocation(
                id="a",
                step="s",
                source=source,
                inputs={
                    "x": ParameterInput(value={"k": [1, 2.5, None]}),
                    "y": ArtifactRef(step="b", output="o"),
                    "z": ArtifactListInput(items=[ArtifactRef(step="b", output="o")]),
                },
            ),
        ],
    )


def test_round_trip_keeps_every_kind_of_input() -> None:
    plan = sample()
    again = Plan.from_json(plan.to_json())
    assert again == plan
    assert isinstance(again.invocations[1].inputs["z"], ArtifactListInput)
    assert again.invocations[0].outputs[0].type == plan.invocations[0].outputs[0].type
    assert Plan.from_json(plan.to_json(indent=2)) == plan


@pytest.mark.parametrize(
    "corrupt",
    [
        lambda d: d.update(bogus=1),
        lambda d: d["invocations"][0].update(colour="red"),
        lambda d: d["invocations"][1]["inputs"]["y"].update(kind="nope"),
        lambda d: d["invocations"][0]["outputs"][0].pop("artifact_name"),
        lambda d: d.update(invocations="none"),
    ],
)
def test_from_json_refuses_what_is_not_a_plan(corrupt) -> None:  # type: ignore[no-untyped-def]
    data = json.loads(sample().to_json())
    corrupt(data)
    with pytest.raises(ValidationError):
        Plan.from_json(json.dumps(data))


def test_orchestrator_settings_read_plain_values_and_coerce_the_rest() -> None:
    assert orchestrator_settings({}) == OrchestratorSettings()
    assert orchestrator_settings({"orchestrator": {"max_workers": 2}}).max_workers == 2
    assert orchestrator_settings({"orchestrator.local": {"max_workers": "3"}}).max_workers == 3
    with pytest.raises(ValidationError):
        orchestrator_settings({"orchestrator": {"max_workers": 0}})


def test_a_parameter_that_holds_itself_is_refused_as_json_refuses_it() -> None:
    plan = sample()
    looped: list[object] = []
    looped.append(looped)
    plan.invocations[1].inputs["x"] = ParameterInput(value=looped)
    with pytest.raises(ValueError, match="Circular reference"):
        plan.to_json()
