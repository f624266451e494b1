"""``python -m flowplan.cli``: the ``flow`` command."""

from flowplan.cli.app import main

main(prog_name="flow")
