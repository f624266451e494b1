"""FP008 project-settings: ``[tool.flowplan]`` holds an unknown key or a wrong value."""

from __future__ import annotations

from flowplan.diagnostics import Diagnostic
from flowplan.lint.context import FileContext
from flowplan.lint.registry import Rule


def check(ctx: FileContext) -> list[Diagnostic]:
    """The settings are read once per run, so the runner reports their problems (at the
    key in pyproject.toml); a file's own check finds none."""
    return ctx.reported(("FP008",))


RULE = Rule(
    name="project-settings",
    codes=("FP008",),
    summary="[tool.flowplan] or a FLOWPLAN_* variable is invalid",
    rationale="""
        A misspelt key in `[tool.flowplan]` would otherwise be ignored without a word --
        `enforce-type-anotations = true` enforcing nothing.  Problems never stop a run: the
        key keeps its default and `flow check` reports where it is written.
    """,
    check=check,
    valid=(
        {
            "pyproject.toml": """
                [tool.flowplan]
                enforce_type_annotations = false  # snake_case is accepted too
                select = ["FP2", "FP801"]
                exclude = ["build", "notebooks/*.py"]
            """,
            "example.py": "import flowplan\n",
        },
        {
            "pyproject.toml": """
                [tool.flowplan]
                enforce-type-annotations = false
                ignore = ["FP804"]
            """,
            "example.py": "import flowplan\n",
        },
    ),
    invalid=(
        {
            "pyproject.toml": """
                [tool.flowplan]
                enforce-type-anotations = true  # expect: FP008:1
                orchestrator = "kubernetes"  # expect: FP008:1
            """,
            "example.py": "import flowplan\n",
        },
    ),
)
