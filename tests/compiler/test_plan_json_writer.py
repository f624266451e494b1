"""The plan's compact JSON is written by hand (flowplan.compiler.plan_json) and must be, byte
for byte, what the json module's encoder gives: a plan's hash keys its stored copy and the
validator's verdict, so a stored plan of an unchanged pipeline keeps its hash."""

from __future__ import annotations

import enum
import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from flowplan.compiler import plan_json
from flowplan.compiler.plan import (
    ArtifactListInput,
    ArtifactRef,
    HookRef,
    InputDef,
    Invocation,
    OutputDef,
    ParameterInput,
    Plan,
    RetryDef,
    SourceLocation,
    StepConfig,
    StepSource,
    StoredArtifactInput,
    TypeExpr,
    jsonable,
)


def reference(plan: Plan, as_made: bool = True) -> str:
    """``json.dumps(jsonable(plan))``; for a plan whose objects are as their ``__init__``
    made them, also the json module's encoder's text, which ``to_json`` gave before."""
    text = json.dumps(jsonable(plan), separators=(",", ":"))
    if as_made:
        assert text == plan_json.reference(plan)
    return text


class Colour(enum.IntEnum):
    RED = 1


class Name(str):
    pass


def chain(n: int, **extra: Any) -> Plan:
    """``n`` calls of one step sharing its source, definitions, config and types."""
    source = StepSource(module="m", qualname="inc", path="/p/ü.py", line=3)
    int_type = TypeExpr(name="builtins.int", bases=("builtins.object",), text="int")
    input_defs = [InputDef(name="x", type=int_type)]
    config = StepConfig(settings={"resources": {"cpu": 2.5}}, **extra)
    invocations = []
    for i in range(n):
        inputs: dict[str, Any] = (
            {"x": ArtifactRef(step=f"s{i - 1}", output="output")} if i
            else {"x": ParameterInput(value=0)}
        )
        invocations.append(Invocation(
            id=f"s{i}", step="inc", source=source,
            location=SourceLocation(path="/p/ü.py", line=10 + i, column=5),
            inputs=inputs, input_defs=input_defs,
            outputs=[OutputDef(name="output", type=int_type, artifact_name=f"p::s{i}::output")],
            config=config, code_hash="ab" * 32,
        ))
    return Plan(pipeline="p", source=StepSource(module="m", qualname="p"),
                invocations=invocations)


def test_a_chain_whose_calls_share_their_parts_is_written_as_the_json_module_writes_it() -> None:
    plan = chain(5, retry=RetryDef(max_retries=2, delay=0.5, backoff=2),
                 on_failure=HookRef(path="m:hook", parameters=["exc"]), timeout=1e-7)
    assert plan.to_json() == reference(plan)


def test_unusual_values_are_written_as_the_json_module_writes_them() -> None:
    plan = chain(3)
    first, second, third = plan.invocations
    first.inputs = {
        "x": ParameterInput(value={"nan": float("nan"), "inf": -float("inf"), "t": (1, "é")}),
        "keys": ParameterInput(value={1: "a", None: "b", 2.5: True}),  # keys made text
        "colour": ParameterInput(value=[Colour.RED, Name("sub"), "\u2028", "\x00"]),
        "listed": ArtifactListInput(items=[ArtifactRef(step="s0", output="o")]),
        "stored": StoredArtifactInput(artifact_id="id", name="n", version=2),
        "odd": ArtifactRef(step=Name("s0"), output="output"),  # type: ignore[arg-type]
    }
    first.after = ["s9", "s8"]
    first.location = SourceLocation()  # nothing known
    second.outputs = [OutputDef(name="o", artifact_name="a", materializer="m:M"),
                      OutputDef(name=Name("n"), artifact_name="b")]
    second.code_hash = Name("c")
    third.inputs = {"x": ArtifactRef(kind="other", step="s", output="o")}  # type: ignore[arg-type]
    third.config = StepConfig(extra={"nested": StepSource(module="m", qualname="q")})
    plan.parameters = {"n": 3, "f": 1.5, "big": 10**30, "flag": False}
    plan.outputs = [ArtifactRef(step="s2", output="output")]
    assert plan.to_json() == reference(plan)


def test_a_dataclass_whose_attributes_changed_is_written_by_its_fields() -> None:
    plan = chain(2)
    plan.invocations[0].note = "not a field"  # type: ignore[attr-defined]
    location, ref, output = (plan.invocations[1].location, plan.invocations[1].inputs["x"],
                             plan.invocations[1].outputs[0])
    for value, name in ((location, "line"), (ref, "step"), (output, "name"),
                        (plan.invocations[0], "id")):
        kept = getattr(value, name)
        delattr(value, name)
        setattr(value, name, kept)  # now last in the instance's dict, not in the JSON
    plan.invocations[1].source.extra = 1  # type: ignore[attr-defined]
    del plan.invocations[1].source.line  # type: ignore[misc]  # its default (the class's)
    assert plan.to_json() == reference(plan, as_made=False)


def test_shared_parts_changed_between_two_serialisations_are_seen() -> None:
    plan = chain(3)
    before = plan.to_json()
    plan.invocations[0].config.settings["resources"] = {"cpu": 4}
    plan.invocations[2].input_defs.append(InputDef(name="y"))
    after = plan.to_json()
    assert after != before
    assert after == reference(plan)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner,
                                                               max_size=3),
    max_leaves=12,
)


@given(value=json_values, settings=st.dictionaries(st.text(max_size=4), json_values, max_size=3))
def test_any_json_value_in_a_plan_is_written_as_the_json_module_writes_it(
    value: Any, settings: dict[str, Any]
) -> None:
    plan = chain(2)
    plan.invocations[0].inputs["x"] = ParameterInput(value=value, pipeline_parameter="n")
    plan.invocations[1].config = StepConfig(settings=settings)
    plan.parameters = {"n": value}
    assert plan.to_json() == reference(plan)
