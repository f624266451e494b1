"""FP213 pipeline-arguments and FP217 pipeline-return: composing pipelines."""

from __future__ import annotations

from flowplan.lint.context import front_end
from flowplan.lint.registry import Rule

RULE = Rule(
    name="pipeline-calls",
    codes=("FP213", "FP217"),
    summary="a pipeline is called with wrong arguments, or returns something not an artifact",
    rationale="""
        A pipeline called inside another one is inlined: its parameters are bound like a
        function's (FP213 names the unknown or missing one) and its steps join the outer
        plan under their own ids.  What a pipeline returns becomes the plan's outputs, so it
        must be step outputs or nothing (FP217, reported at the pipeline's def).
    """,
    check=front_end("FP213", "FP217"),
    valid=(
        """
        from typing import Tuple

        from flowplan import pipeline, step

        @step
        def split(n: int) -> Tuple[int, int]:
            return n // 2, n - n // 2

        @step
        def add(a: int, b: int) -> int:
            return a + b

        @pipeline
        def halves(n: int = 10) -> Tuple[int, int]:
            return split(n)

        @pipeline
        def outer() -> None:
            first, second = halves(n=4)
            add(first, second)
        """,
        """
        from flowplan import pipeline, step

        @step
        def load(source: str) -> int:
            return len(source)

        @pipeline
        def loading(source: str = "a.csv") -> int:
            return load(source)

        @pipeline
        def outer() -> None:
            loading(source="b.csv")
            loading()
        """,
    ),
    invalid=(
        """
        from flowplan import pipeline, step

        @step
        def load(source: str) -> int:
            return len(source)

        @pipeline
        def loading(source: str) -> None:
            load(source)

        @pipeline
        def outer() -> None:
            loading(sourse="a.csv")  # expect: FP213:5

        @pipeline  # expect: FP217:1
        def constant() -> int:
            load("a.csv")
            return 42
        """,
    ),
)
