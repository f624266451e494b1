"""What the subcommands share: parameters, errors, JSON output, loading a pipeline."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NoReturn

import click

from flowplan.diagnostics import FlowplanError

if TYPE_CHECKING:
    from flowplan.client import Client
    from flowplan.compiler.pipeline import Pipeline

EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report it

json_option = click.option("--json", "as_json", is_flag=True, help="print JSON on stdout")


def parse_param(text: str) -> tuple[str, Any]:
    key, sep, raw = text.partition("=")
    if not sep or not key:
        raise click.BadParameter(f"{text!r} is not KEY=VALUE", param_hint="-p")
    try:
        return key, json.loads(raw)
    except ValueError:
        return key, raw


def fail(exc: FlowplanError) -> NoReturn:
    click.echo(exc.render(), err=True)
    sys.exit(1)


def usage_error(message: str) -> NoReturn:
    click.echo(f"error: {message}", err=True)
    sys.exit(2)


def emit_json(value: Any) -> None:
    click.echo(json.dumps(value, indent=2, default=str))


def load_pipeline(target: str) -> Pipeline:
    from flowplan.compiler.pipeline import Pipeline
    from flowplan.loader import load_target

    obj = load_target(target)
    if not isinstance(obj, Pipeline):
        usage_error(f"{target} is not a @pipeline (it is {type(obj).__name__})")
    return obj


def client() -> Client:
    from flowplan.client import Client

    return Client()


def set_output_flags(ctx: click.Context, quiet: bool, verbose: bool) -> None:
    """``-q``/``-v``: FLOWPLAN_QUIET / FLOWPLAN_VERBOSE for this command (restored after it,
    for ``flow`` called in-process)."""
    for name, on in (("FLOWPLAN_QUIET", quiet), ("FLOWPLAN_VERBOSE", verbose)):
        if on:
            ctx.call_on_close(_restore(name, os.environ.get(name)))
            os.environ[name] = "1"


def _restore(name: str, value: str | None) -> Callable[[], None]:
    def restore() -> None:
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value

    return restore
