"""The ``flow`` command (a click group; one module per family of subcommands)."""

from flowplan.cli.app import main

__all__ = ["main"]
