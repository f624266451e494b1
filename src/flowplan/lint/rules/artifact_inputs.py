"""FP206, FP214, FP215, FP216: what is passed to a step input or to ``after=``."""

from __future__ import annotations

from flowplan.lint.context import front_end
from flowplan.lint.registry import Rule

CODES = ("FP206", "FP214", "FP215", "FP216")

RULE = Rule(
    name="artifact-inputs",
    codes=CODES,
    summary="a step input or after= receives something that cannot flow there",
    rationale="""
        An artifact's annotated type must fit the input it feeds (FP206; a list of
        artifacts feeds a `List[T]` input element by element).  A step object passed where
        its output is meant (FP214), `after=` holding anything but step outputs or id
        strings (FP215), and the result of a step without outputs used as data (FP216) are
        wiring mistakes a traced run refuses before anything executes.
    """,
    check=front_end(*CODES),
    valid=(
        """
        from typing import List

        from flowplan import pipeline, step

        @step
        def count() -> int:
            return 3

        @step
        def total(numbers: List[int]) -> int:
            return sum(numbers)

        @step
        def prepare() -> None:
            pass

        @pipeline
        def wiring() -> None:
            ready = prepare()
            total([count(), count()], after=[ready])
        """,
    ),
    invalid=(
        """
        from flowplan import pipeline, step

        @step
        def name() -> str:
            return "ten"

        @step
        def square(number: int) -> int:
            return number * number

        @step
        def prepare() -> None:
            pass

        @pipeline
        def wiring() -> None:
            square(name())  # expect: FP206:5
            square(name)  # expect: FP214:5
            square(2, after=[42])  # expect: FP215:5
            ready = prepare()
            square(ready)  # expect: FP216:5
        """,
    ),
)
