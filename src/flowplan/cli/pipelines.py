"""``flow compile``, ``flow run`` and ``flow dag``: commands on a pipeline in a file."""

from __future__ import annotations

import contextlib
import sys
from typing import Any

import click

from flowplan.cli.common import (
    emit_json,
    fail,
    json_option,
    load_pipeline,
    parse_param,
    usage_error,
)
from flowplan.diagnostics import FlowplanError
from flowplan.env import env_flag

param_option = click.option(
    "-p", "--param", "params", multiple=True, help="pipeline parameter KEY=VALUE (JSON)"
)


@click.command("compile")
@click.argument("target")
@param_option
@json_option
def compile_cmd(target: str, params: tuple[str, ...], as_json: bool) -> None:
    """Compile FILE.py:PIPELINE and print its plan, without running anything."""
    from flowplan.descriptions import describe_plan

    try:
        compiled = load_pipeline(target).compiled(**dict(parse_param(p) for p in params))
    except FlowplanError as exc:
        fail(exc)
    for warning in compiled.warnings:
        click.echo(warning.render(), err=True)
    if as_json:
        click.echo(compiled.plan.to_json(indent=2))
    else:
        click.echo(describe_plan(compiled.plan))


@click.command("run")
@click.argument("target")
@param_option
@click.option("-c", "--config", "config", default=None, type=click.Path(dir_okay=False),
              help="YAML run configuration (parameters, steps, settings)")
@click.option("--run-name", default=None, help="name of the run (placeholders {date}, {time})")
@click.option("--no-cache", is_flag=True, help="run every step, ignoring cached results")
@json_option
@click.option("-q", "--quiet", is_flag=True, help="no progress output (as `flow -q run`)")
@click.option("-v", "--verbose", is_flag=True, help="a line per step event (as `flow -v run`)")
@click.pass_context
def run_cmd(
    ctx: click.Context,
    target: str,
    params: tuple[str, ...],
    config: str | None,
    run_name: str | None,
    no_cache: bool,
    as_json: bool,
    quiet: bool,
    verbose: bool,
) -> None:
    """Compile and run FILE.py:PIPELINE (or package.module:PIPELINE).

    Progress, and what steps print, go to stderr; the run ends with one line naming the
    outcome.  With --json the run's summary is printed on stdout.  Exit status: 0 completed,
    1 failed, 130 interrupted (running steps are recorded as stopped).
    """
    from flowplan.cli.common import set_output_flags
    from flowplan.executor.errors import RunFailedError

    set_output_flags(ctx, quiet, verbose)
    options: dict[str, Any] = {}
    if config:
        options["config_path"] = config
    if run_name:
        options["run_name"] = run_name
    if no_cache:
        options["enable_cache"] = False
    try:
        pipe = load_pipeline(target)
        if options:
            pipe = pipe.with_options(**options)
        with contextlib.redirect_stdout(sys.stderr):  # stdout is for results
            run = pipe(**dict(parse_param(p) for p in params))
    except RunFailedError as exc:
        _report(exc.run, as_json)
        if env_flag("QUIET") and not as_json:  # no progress said it: the diagnostic does
            click.echo(exc.render(), err=True)
        sys.exit(1)
    except FlowplanError as exc:
        fail(exc)
    _report(run, as_json)


def _report(run: Any, as_json: bool) -> None:
    """The result on stdout: the run's summary with --json (progress said the rest)."""
    from flowplan.store.summaries import run_summary

    if as_json:
        emit_json(run_summary(run))


@click.command("dag")
@click.argument("target", required=False)
@click.option("--run", "run_ref", default=None,
              help="draw the DAG of a stored run (name, id prefix, latest, latest~N), "
                   "with each step's status")
@param_option
@click.option("--format", "fmt", type=click.Choice(["text", "mermaid", "dot"]), default="text",
              show_default=True)
def dag_cmd(target: str | None, run_ref: str | None, params: tuple[str, ...], fmt: str) -> None:
    """Draw the DAG of FILE.py:PIPELINE (compiled, not run) or of a stored run (--run)."""
    from flowplan.cli.dag_views import render
    from flowplan.compiler.dag_layout import dag_layout

    if (target is None) == (run_ref is None):
        usage_error("give FILE.py:PIPELINE or --run RUN (one of them)")
    statuses: dict[str, str] = {}
    try:
        if target is not None:
            plan = load_pipeline(target).compiled(**dict(parse_param(p) for p in params)).plan
        else:
            plan, statuses = _stored_plan(str(run_ref))
    except FlowplanError as exc:
        fail(exc)
    click.echo(render(dag_layout(plan), fmt, statuses))


def _stored_plan(reference: str) -> tuple[Any, dict[str, str]]:
    from flowplan.cli.common import client
    from flowplan.compiler.plan import Plan

    run = client().get_pipeline_run(reference)
    record = client().store.metadata.get_run(run.id)
    if not record.plan:
        usage_error(f"run {run.name} has no stored plan")
    statuses = {name: step.status.value for name, step in run.steps.items()}
    return Plan.from_json(record.plan), statuses
