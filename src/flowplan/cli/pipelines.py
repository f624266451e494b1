"""``flow compile``, ``flow run`` and ``flow dag``: commands on a pipeline in a file."""

from __future__ import annotations

import contextlib
import sys
from typing import Any

import click

from flowplan.cli.common import emit_json, fail, json_option, load_pipeline, parse_param
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
def run_cmd(
    target: str,
    params: tuple[str, ...],
    config: str | None,
    run_name: str | None,
    no_cache: bool,
    as_json: bool,
) -> None:
    """Compile and run FILE.py:PIPELINE (or package.module:PIPELINE).

    Progress, and what steps print, go to stderr; the run ends with one line naming the
    outcome.  With --json the run's summary is printed on stdout.  Exit status: 0 completed,
    1 failed, 130 interrupted (running steps are recorded as stopped).
    """
    from flowplan.executor.errors import RunFailedError

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
    from flowplan.inspection import run_summary

    if as_json:
        emit_json(run_summary(run))
