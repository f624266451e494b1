"""The ``flow`` group: global options and the subcommands of each module.

Diagnostics and progress go to stderr, results to stdout; ``-q`` silences progress, ``-v``
adds a line per step; Ctrl-C stops a run cleanly and exits with 130.
"""

from __future__ import annotations

from typing import Any

import click

from flowplan.cli import artifacts, lint, pipelines, runs, ui
from flowplan.cli.common import EXIT_INTERRUPTED, set_output_flags

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class FlowGroup(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            ctx.exit(EXIT_INTERRUPTED)


@click.group(cls=FlowGroup, context_settings=CONTEXT)
@click.version_option(None, "-V", "--version", package_name="flowplan")
@click.option("-q", "--quiet", is_flag=True, help="no progress output (FLOWPLAN_QUIET=1)")
@click.option("-v", "--verbose", is_flag=True, help="a line per step event, even on a terminal")
@click.pass_context
def main(ctx: click.Context, quiet: bool, verbose: bool) -> None:
    """flowplan: machine-learning pipelines, compiled.

    Progress and diagnostics go to stderr, results to stdout.  Shell completion:
    eval "$(_FLOW_COMPLETE=bash_source flow)" (zsh_source, fish_source for other shells).
    """
    set_output_flags(ctx, quiet, verbose)


for command in (
    pipelines.compile_cmd,
    pipelines.run_cmd,
    pipelines.dag_cmd,
    runs.runs_group,
    artifacts.artifacts_group,
    artifacts.gc_cmd,
    ui.ui_cmd,
    lint.check_cmd,
    lint.rules_cmd,
    lint.rule_cmd,
    lint.explain_cmd,
):
    main.add_command(command)
