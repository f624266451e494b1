"""``flow runs``: list, show, logs and delete the runs in the store."""

from __future__ import annotations

from typing import Any

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
@click.option("--limit", default=20, show_default=True, type=click.IntRange(min=1),
              help="at most this many runs (1 or more)")
@json_option
def runs_list(pipeline: str | None, status: str | None, limit: int, as_json: bool) -> None:
    """List runs, newest first."""
    from flowplan.descriptions import describe_runs
    from flowplan.enums import ExecutionStatus
    from flowplan.store.summaries import run_row

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
    from flowplan.store.summaries import run_summary

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
    from flowplan.store.summaries import original_step

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


@runs_group.command("delete", epilog=RUN_HELP)
@click.argument("runs", nargs=-1, required=True)
@click.option("--yes", is_flag=True, help="delete (without it: a dry run)")
@json_option
def runs_delete(runs: tuple[str, ...], yes: bool, as_json: bool) -> None:
    """Delete runs, and the artifacts no other run references (a dry run unless --yes)."""
    from flowplan.store.cleanup import delete_runs

    try:
        found = [client().get_pipeline_run(r) for r in runs]
        store = client().store
        collected = delete_runs(store, [str(r.id) for r in found], apply=yes)
    except FlowplanError as exc:
        fail(exc)
    report_collected(collected, yes, as_json, [r.name for r in found])


def report_collected(collected: Any, applied: bool, as_json: bool, names: list[str]) -> None:
    """The summary of a clean-up: JSON on stdout, or lines (names of what goes) on stdout."""
    if as_json:
        emit_json({"applied": applied, "runs": names, "step_runs": collected.step_runs,
                   "artifacts": [{"name": n, "version": v} for n, v in collected.artifacts],
                   "files": len(collected.files), "temp_files": collected.temp_files,
                   "bytes": collected.bytes_freed})
        return
    verb = "deleted" if applied else "would delete"
    for name in names:
        click.echo(f"{verb} run {name}")
    for name, version in collected.artifacts:
        click.echo(f"{verb} artifact {name} v{version}")
    click.echo(collected.summary(applied))
