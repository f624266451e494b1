"""The ``flow`` command."""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from flowplan.diagnostics import FlowplanError


def parse_param(text: str) -> tuple[str, Any]:
    key, sep, raw = text.partition("=")
    if not sep or not key:
        raise click.BadParameter(f"{text!r} is not KEY=VALUE", param_hint="-p")
    try:
        return key, json.loads(raw)
    except ValueError:
        return key, raw


def fail(exc: FlowplanError) -> None:
    click.echo(exc.render(), err=True)
    sys.exit(1)


@click.group()
@click.version_option(package_name="flowplan")
def main() -> None:
    """flowplan: machine-learning pipelines, compiled."""


@main.command("compile")
@click.argument("target")
@click.option("-p", "--param", "params", multiple=True, help="pipeline parameter KEY=VALUE (JSON)")
@click.option("--json", "as_json", is_flag=True, help="print the plan as JSON")
def compile_cmd(target: str, params: tuple[str, ...], as_json: bool) -> None:
    """Compile FILE.py:PIPELINE and print its plan, without running anything."""
    from flowplan.compiler.pipeline import Pipeline
    from flowplan.descriptions import describe_plan
    from flowplan.loader import load_target

    try:
        obj = load_target(target)
        if not isinstance(obj, Pipeline):
            click.echo(f"error: {target} is not a @pipeline (it is {type(obj).__name__})", err=True)
            sys.exit(2)
        compiled = obj.compiled(**dict(parse_param(p) for p in params))
    except FlowplanError as exc:
        fail(exc)
        return
    for warning in compiled.warnings:
        click.echo(warning.render(), err=True)
    if as_json:
        click.echo(compiled.plan.to_json(indent=2))
    else:
        click.echo(describe_plan(compiled.plan))


def _pipeline(target: str) -> Any:
    from flowplan.compiler.pipeline import Pipeline
    from flowplan.loader import load_target

    obj = load_target(target)
    if not isinstance(obj, Pipeline):
        click.echo(f"error: {target} is not a @pipeline (it is {type(obj).__name__})", err=True)
        sys.exit(2)
    return obj


@main.command("run")
@click.argument("target")
@click.option("-p", "--param", "params", multiple=True, help="pipeline parameter KEY=VALUE (JSON)")
@click.option("--run-name", default=None, help="name of the run (placeholders {date}, {time})")
@click.option("--no-cache", is_flag=True, help="run every step, ignoring cached results")
def run_cmd(target: str, params: tuple[str, ...], run_name: str | None, no_cache: bool) -> None:
    """Compile and run FILE.py:PIPELINE (or package.module:PIPELINE)."""
    from flowplan.executor.errors import RunFailedError

    try:
        pipe = _pipeline(target)
        options: dict[str, Any] = {}
        if run_name:
            options["run_name"] = run_name
        if no_cache:
            options["enable_cache"] = False
        if options:
            pipe = pipe.with_options(**options)
        run = pipe(**dict(parse_param(p) for p in params))
    except RunFailedError as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)
    except FlowplanError as exc:
        fail(exc)
        return
    click.echo(f"{run.name}: {run.status.value}")


@main.group("runs")
def runs_group() -> None:
    """Inspect pipeline runs in the store."""


@runs_group.command("list")
@click.option("--pipeline", default=None, help="only runs of this pipeline")
@click.option("--status", default=None, help="only runs with this status")
@click.option("--limit", default=20, show_default=True, type=int)
def runs_list(pipeline: str | None, status: str | None, limit: int) -> None:
    """List runs, newest first."""
    from flowplan.client import Client
    from flowplan.descriptions import describe_runs

    try:
        runs = Client().list_pipeline_runs(pipeline=pipeline, status=status, limit=limit)
    except (FlowplanError, ValueError) as exc:
        if isinstance(exc, FlowplanError):
            fail(exc)
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    click.echo(describe_runs(runs))


@runs_group.command("show")
@click.argument("run")
def runs_show(run: str) -> None:
    """Show a run's steps: status, duration, cached or not, outputs."""
    from flowplan.client import Client
    from flowplan.descriptions import describe_run

    try:
        click.echo(describe_run(Client().get_pipeline_run(run)))
    except FlowplanError as exc:
        fail(exc)


@runs_group.command("logs")
@click.argument("run")
@click.argument("step")
def runs_logs(run: str, step: str) -> None:
    """Print what STEP of RUN wrote to stdout and stderr (and its error)."""
    from flowplan.client import Client

    try:
        pipeline_run = Client().get_pipeline_run(run)
    except FlowplanError as exc:
        fail(exc)
        return
    step_run = pipeline_run.steps.get(step)
    if step_run is None:
        click.echo(
            f"error: run {pipeline_run.name} has no step {step!r}; steps: "
            f"{', '.join(pipeline_run.steps)}",
            err=True,
        )
        sys.exit(2)
    click.echo(step_run.logs["stdout"], nl=False)
    click.echo(step_run.logs["stderr"], nl=False, err=True)
    if step_run.error:
        click.echo(step_run.error, err=True)


@main.command("ui")
@click.option("--port", default=8765, show_default=True, type=click.IntRange(0, 65535),
              help="port to listen on (0: any free port)")
@click.option("--host", default="127.0.0.1", show_default=True, help="address to listen on")
def ui_cmd(port: int, host: str) -> None:
    """Serve a read-only web dashboard over the store (needs `flowplan[ui]`)."""
    from flowplan.ui.server import serve

    try:
        serve(host, port, echo=click.echo)
    except FlowplanError as exc:
        fail(exc)


@main.command("check")
@click.argument("paths", nargs=-1)
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json", "sarif", "github"]), default="text",
    show_default=True, help="output format",
)
@click.option("--select", multiple=True, help="only these codes or prefixes (e.g. FP2,FP801)")
@click.option("--ignore", multiple=True, help="leave out these codes or prefixes")
@click.option("--strict", is_flag=True, help="exit with 1 on warnings too")
@click.option("--no-cache", is_flag=True, help="neither read nor write cached results")
@click.option("--fix", is_flag=True, help="apply the safe fixes (e.g. step_name= -> id=)")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None,
              help="worker processes (default: one per CPU)")
def check_cmd(
    paths: tuple[str, ...], fmt: str, select: tuple[str, ...], ignore: tuple[str, ...],
    strict: bool, no_cache: bool, fix: bool, jobs: int | None,
) -> None:
    """Check pipelines without importing or running them (default: the whole project)."""
    from flowplan.lint.commands import run_check

    try:
        status = run_check(paths, fmt=fmt, select=select, ignore=ignore, strict=strict,
                           use_cache=not no_cache, fix=fix, jobs=jobs)
    except Exception as exc:  # never a bare traceback: exit 2 is "flowplan itself failed"
        click.echo(f"error: flow check failed unexpectedly: {type(exc).__name__}: {exc}",
                   err=True)
        sys.exit(2)
    sys.exit(status)


@main.command("rules")
def rules_cmd() -> None:
    """List the codes `flow check` reports, with the rule module of each."""
    from flowplan.lint.commands import list_rules

    click.echo(list_rules())


@main.command("rule")
@click.argument("code")
def rule_cmd(code: str) -> None:
    """Explain one code: what it does, why it matters, examples."""
    from flowplan.lint.commands import explain_rule

    text = explain_rule(code)
    if text is None:
        click.echo(f"error: `flow check` reports no code {code!r}; see `flow rules`", err=True)
        sys.exit(2)
    click.echo(text, nl=False)
