"""``flow ui``: the read-only web dashboard (the optional ui extra)."""

from __future__ import annotations

import click

from flowplan.cli.common import fail
from flowplan.diagnostics import FlowplanError


@click.command("ui")
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
