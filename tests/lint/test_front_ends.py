"""One IR, two front ends: for programs in the static subset, reading the source and tracing
the pipeline build the same Plan -- and refuse the same programs with the same codes."""

from __future__ import annotations

import itertools
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import given, settings

from flowplan.compiler.frontends.static import Program, check_pipeline
from flowplan.compiler.plan import Invocation, Plan, TypeExpr, jsonable
from flowplan.compiler.types import same_type
from flowplan.diagnostics import CompileError, Severity
from flowplan.loader import load_module
from tests.strategies import pipeline_programs

_names = itertools.count()


def _type(tp: TypeExpr | None, other: TypeExpr | None) -> bool:
    return (tp is None and other is None) or (
        tp is not None and other is not None and same_type(tp, other)
    )


def _invocation(inv: Invocation) -> dict[str, Any]:
    return {
        "id": inv.id,
        "step": inv.step,
        "inputs": {k: jsonable(v) for k, v in inv.inputs.items()},
        "after": inv.after,
        "outputs": [(o.name, o.artifact_name) for o in inv.outputs],
        "input_defs": [(d.name, d.required) for d in inv.input_defs],
        "line": inv.location.line,
        "source": (inv.source.qualname, inv.source.line),
    }


def assert_same_plan(static: Plan, traced: Plan) -> None:
    assert [_invocation(i) for i in static.invocations] == [
        _invocation(i) for i in traced.invocations
    ]
    assert static.parameters == traced.parameters
    assert static.outputs == traced.outputs
    assert static.config == traced.config
    for mine, theirs in zip(static.invocations, traced.invocations, strict=True):
        assert mine.config == theirs.config
        for a, b in zip(mine.outputs, theirs.outputs, strict=True):
            assert _type(a.type, b.type), (a.type, b.type)
        for c, d in zip(mine.input_defs, theirs.input_defs, strict=True):
            assert _type(c.type, d.type), (c.type, d.type)


def both_front_ends(source: str) -> tuple[Any, list[Plan], list[Any]]:
    """(traced plan or CompileError, static plans, static errors) for ``generated``."""
    folder = Path(tempfile.mkdtemp(prefix="front-ends-"))
    path = folder / f"generated_{next(_names)}.py"
    path.write_text(source)
    facts = Program([folder]).facts_for(path)
    assert facts is not None
    check = check_pipeline(facts.lookup("generated"))
    errors = [d for d in check.diagnostics if d.severity is Severity.ERROR]
    try:
        traced: Any = load_module(str(path)).generated.compile()
    except CompileError as exc:
        traced = exc
    return traced, check.plans, errors


@settings(max_examples=60, deadline=None)
@given(pipeline_programs())
def test_static_and_traced_plans_are_equal(source: str) -> None:
    traced, plans, errors = both_front_ends(source)
    if isinstance(traced, CompileError):
        found = {(d.code, d.line) for d in errors}
        assert {(d.code, d.line) for d in traced.diagnostics} <= found, source
        return
    assert errors == [], source
    assert len(plans) == 1
    assert_same_plan(plans[0], traced)


def test_branch_on_an_unknown_parameter_gives_one_plan_per_branch() -> None:
    source = (
        "from flowplan import pipeline, step\n\n@step\ndef load(x: int) -> int:\n"
        "    return x\n\n@pipeline\ndef generated(flag: bool) -> None:\n"
        "    if flag:\n        load(1)\n    else:\n        load(2)\n        load(3)\n"
    )
    _, plans, errors = both_front_ends(source)
    assert errors == []
    assert [p.ids() for p in plans] == [["load"], ["load", "load_2"]]


def test_loop_over_an_unknown_parameter_is_followed_once_and_marked_partial() -> None:
    folder = Path(tempfile.mkdtemp(prefix="front-ends-"))
    path = folder / "fan.py"
    path.write_text(
        "from flowplan import pipeline, step\n\n@step\ndef work(i: int) -> int:\n"
        "    return i\n\n@pipeline\ndef generated(count: int) -> None:\n"
        "    for i in range(count):\n        work(i, id=f\"work_{i}\")\n"
    )
    facts = Program([folder]).facts_for(path)
    assert facts is not None
    check = check_pipeline(facts.lookup("generated"))
    assert [p.ids() for p in check.plans] == [["work_{i}"]]
    assert check.partial and "range(count)" in check.partial[0]
    assert check.plans[0].invocations[0].inputs["i"].value is None
