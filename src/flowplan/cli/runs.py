"""``flow runs``: list, show, logs and delete the runs in the store."""

from __future__ import annotations

import click

from flowplan.cli.common import client, emit_json, fail, json_option, usage_error
from flowplan.diagnostics import FlowplanError

RUN_HELP = "RUN is a run name, id, unique id prefix, `latest` or `latest~N`."


@click.group("runs", invoke_without_command=True)
@click.pass_context
def runs_group(ctx: click.Context) -> None:
    """Inspect pipeline runs in the store (alone: list the latest runs)."""
    if ctx.invoked_subcommand is None:
        ctx.invoke(runs_list)


@runs_group.command("list")
@click.option("--pipeline", default=None, help="only runs of this pipeline")
@click.option("--status", default=None, help="only runs with this status")
@click.option("--limit", default=20, show_default=True, type=int)
@json_option
def runs_list(pipeline: str | None, status: str | None, limit: int, as_json: bool) -> None:
    """List runs, newest first."""
    from flowplan.descriptions import describe_runs
    from flowplan.enums import ExecutionStatus
    from flowplan.inspection import run_row

    if status is not None and status not in {s.value for s in ExecutionStatus}:
        usage_error(f"no status {status!r}; one of: "
                    + ", ".join(s.value for s in ExecutionStatus))
    try:
        found = client().list_pipeline_runs(pipeline=pipeline, status=status, limit=limit)
    except FlowplanError as exc:
        fail(exc)
    if as_json:
        emit_json([run_row(r) for r in found])
    else:
        click.echo(describe_runs(found))


@runs_group.command("show", epilog=RUN_HELP)
@click.argument("run", default="latest")
@json_option
def runs_show(run: str, as_json: bool) -> None:
    """Show a run: parameters, orchestrator, and each step's status, timing, attempts,
    parameters, outputs, and for a cached step the run it reused (default: latest)."""
    from flowplan.descriptions import describe_run
    from flowplan.inspection import run_summary

    try:
        found = client().get_pipeline_run(run)
        if as_json:
            emit_json(run_summary(found))
        else:
            click.echo(describe_run(found))
    except FlowplanError as exc:
        fail(exc)


@runs_group.command("logs", epilog=RUN_HELP)
@click.argument("run")
@click.argument("step")
def runs_logs(run: str, step: str) -> None:
    """Print what STEP of RUN wrote to stdout and stderr (and its error).  A cached step
    shows the logs of the step run whose results it reused."""
    from flowplan.inspection import original_step

    try:
        pipeline_run = client().get_pipeline_run(run)
    except FlowplanError as exc:
        fail(exc)
    step_run = pipeline_run.steps.get(step)
    if step_run is None:
        usage_error(f"run {pipeline_run.name} has no step {step!r}; steps: "
                    f"{', '.join(pipeline_run.steps)}")
    source = original_step(step_run) or step_run
    if source is not step_run:
        click.echo(f"(cached: the logs of step `{source.name}` of run {source.run_name})",
                   err=True)
    click.echo(source.logs["stdout"], nl=False)
    click.echo(source.logs["stderr"], nl=False, err=True)
    if source.error:
        click.echo(source.error, err=True)
