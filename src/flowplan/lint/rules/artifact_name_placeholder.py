"""FP315: a custom output name with an unknown placeholder."""

from __future__ import annotations

from flowplan.lint.context import front_end
from flowplan.lint.registry import Rule

RULE = Rule(
    name="artifact-name-placeholder",
    codes=("FP315",),
    summary="an output or artifact name uses an unknown placeholder",
    rationale="""
        Custom output names (`Annotated[T, "name"]`, `ArtifactConfig(name=...)`) are filled in
        like run names when a step stores its output: `{date}`, `{time}` and the keys of the
        pipeline's `substitutions=`.  Any other placeholder could never be filled in.
    """,
    check=front_end("FP315"),
    valid=(
        """
        from typing import Annotated
        from flowplan import pipeline, step

        @step
        def split() -> Annotated[list, "rows_{date}_{day}"]:
            return [1, 2]

        @pipeline(substitutions={"day": "monday"})
        def daily() -> None:
            split()
        """,
    ),
    invalid=(
        """
        from typing import Annotated
        from flowplan import pipeline, step

        @step
        def split() -> Annotated[list, "rows_{day}"]:
            return [1, 2]

        @pipeline
        def daily() -> None:
            split()  # expect: FP315:5
        """,
    ),
)
