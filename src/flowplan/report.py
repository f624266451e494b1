"""Human-readable descriptions of plans and runs."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flowplan.compiler.plan import Plan, StepInput


def _input_text(value: StepInput) -> str:
    kind = value.kind
    if kind == "artifact":
        return f"{value.step}.{value.output}"  # type: ignore[union-attr]
    if kind == "artifact_list":
        return "[" + ", ".join(f"{i.step}.{i.output}" for i in value.items) + "]"  # type: ignore[union-attr]
    return json.dumps(value.value)  # type: ignore[union-attr]


def describe_plan(plan: Plan) -> str:
    lines = [f"pipeline {plan.pipeline}  ({len(plan.invocations)} steps, "
             f"execution mode {plan.config.execution_mode})"]
    if plan.parameters:
        lines.append("parameters: " + json.dumps(plan.parameters))
    for inv in plan.invocations:
        args = ", ".join(f"{k}={_input_text(v)}" for k, v in inv.inputs.items())
        outs = ", ".join(o.name for o in inv.outputs) or "-"
        after = f"  after {', '.join(inv.after)}" if inv.after else ""
        lines.append(f"  {inv.id}: {inv.step}({args}) -> {outs}{after}")
    return "\n".join(lines)
