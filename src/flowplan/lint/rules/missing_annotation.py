"""FP101 missing-annotation: with ``enforce-type-annotations``, every step input and output
needs a type annotation."""

from __future__ import annotations

from flowplan.lint.context import front_end
from flowplan.lint.registry import Rule

_SETTINGS = """
    [tool.flowplan]
    enforce-type-annotations = true
"""

RULE = Rule(
    name="missing-annotation",
    codes=("FP101",),
    summary="a step input or output lacks a type annotation",
    rationale="""
        Annotations choose how outputs are stored (a JSON materializer instead of a pickle)
        and let the validator check that an artifact fits the input it feeds (FP206).  When
        `enforce-type-annotations` is set in `[tool.flowplan]` (or
        `FLOWPLAN_ENFORCE_TYPE_ANNOTATIONS`), a missing one is an error, reported at the
        parameter or at the def's name for the return.
    """,
    check=front_end("FP101"),
    valid=(
        {
            "pyproject.toml": _SETTINGS,
            "example.py": """
                from flowplan import step

                @step
                def notify(message: str) -> None:
                    print(message)
            """,
        },
        {
            "pyproject.toml": _SETTINGS,
            "example.py": """
                from flowplan import step

                @step
                def scale(values: list, factor: float = 2.0) -> list:
                    return [v * factor for v in values]

                @step
                def report(total: float) -> None:
                    print(total)
            """,
        },
    ),
    invalid=(
        {
            "pyproject.toml": _SETTINGS,
            "example.py": """
                from flowplan import step

                @step
                def scale(values, factor: float = 2.0):  # expect: FP101:5 FP101:11
                    return [v * factor for v in values]
            """,
        },
    ),
)
