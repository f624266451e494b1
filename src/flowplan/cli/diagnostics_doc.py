"""``python -m flowplan.cli.diagnostics_doc > docs/diagnostics.md``: the catalog page, generated
from the explanations that ``flow rule`` prints."""

from flowplan.codes import diagnostics_markdown

if __name__ == "__main__":
    print(diagnostics_markdown(), end="")
