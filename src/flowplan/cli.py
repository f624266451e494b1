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
    from flowplan.loader import load_target
    from flowplan.report import describe_plan

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
