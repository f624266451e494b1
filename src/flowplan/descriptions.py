"""Human-readable descriptions of plans and runs."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flowplan.client import PipelineRun
    from flowplan.compiler.plan import Plan, StepInput


def _input_text(value: StepInput) -> str:
    kind = value.kind
    if kind == "artifact":
        return f"{value.step}.{value.output}"  # type: ignore[union-attr]
    if kind == "artifact_list":
        return "[" + ", ".join(f"{i.step}.{i.output}" for i in value.items) + "]"  # type: ignore[union-attr]
    return json.dumps(value.value)  # type: ignore[union-attr]


def describe_plan(plan: Plan) -> str:
    lines = [
        f"pipeline {plan.pipeline}  ({len(plan.invocations)} steps, "
        f"execution mode {plan.config.execution_mode})"
    ]
    if plan.parameters:
        lines.append("parameters: " + json.dumps(plan.parameters))
    for inv in plan.invocations:
        args = ", ".join(f"{k}={_input_text(v)}" for k, v in inv.inputs.items())
        outs = ", ".join(o.name for o in inv.outputs) or "-"
        after = f"  after {', '.join(inv.after)}" if inv.after else ""
        lines.append(f"  {inv.id}: {inv.step}({args}) -> {outs}{after}")
    return "\n".join(lines)


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}s"


def describe_runs(runs: list[PipelineRun]) -> str:
    if not runs:
        return "no runs"
    rows = [("NAME", "PIPELINE", "STATUS", "STARTED")]
    for run in runs:
        started = run.start_time.strftime("%Y-%m-%d %H:%M:%S") if run.start_time else "-"
        rows.append((run.name, run.pipeline_name, run.status.value, started))
    return _table(rows)


def describe_run(run: PipelineRun) -> str:
    """``flow runs show``: the run, its orchestrator and parameters, then each step."""
    from flowplan.store.summaries import orchestrator, step_summary

    ended = run.end_time.strftime("%Y-%m-%d %H:%M:%S") if run.end_time else "-"
    started = run.start_time.strftime("%Y-%m-%d %H:%M:%S") if run.start_time else "-"
    took = (run.end_time - run.start_time).total_seconds() if run.end_time and run.start_time \
        else None
    lines = [
        f"run {run.name} ({run.id})",
        f"pipeline {run.pipeline_name}, status {run.status.value}",
        f"started {started}, ended {ended}, took {_seconds(took)}",
        "orchestrator: " + ", ".join(f"{k}={v}" for k, v in orchestrator(run).items()),
        "parameters: " + (json.dumps(run.parameters) if run.parameters else "-"),
    ]
    rows = [("STEP", "STATUS", "DURATION", "ATTEMPTS", "PARAMETERS", "OUTPUTS", "CACHED FROM")]
    for step in run.steps.values():
        summary = step_summary(step)
        outputs = ", ".join(f"{k}={v[0]['data_type']}" for k, v in summary["outputs"].items()
                            if v) or "-"
        origin = summary["cached_from"]
        rows.append((
            step.name,
            step.status.value,
            _seconds(step.duration),
            str(len(step.attempts)),
            json.dumps(step.config.parameters) if step.config.parameters else "-",
            outputs,
            f"{origin['run']} ({origin['step']})" if origin else "-",
        ))
    lines.append(_table(rows))
    errors = [(s.name, s.error) for s in run.steps.values() if s.error]
    for name, error in errors:
        lines.append(f"{name}: {error.strip().splitlines()[-1]}")
    lines.extend(_where_steps_ran(run))
    return "\n".join(lines)


def _where_steps_ran(run: PipelineRun) -> list[str]:
    """``ran on dask: step@worker, ...`` for steps that ran on Dask workers."""
    placed = [f"{name}@{step.worker}" for name, step in run.steps.items() if step.worker]
    return [f"ran on dask workers: {', '.join(placed)}"] if placed else []


def _table(rows: Sequence[tuple[str, ...]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows
    )
