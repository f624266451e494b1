"""FP207-FP210, FP212: a step call's arguments do not bind to the step's inputs."""

from __future__ import annotations

from flowplan.lint.context import front_end
from flowplan.lint.registry import Rule

CODES = ("FP207", "FP208", "FP209", "FP210", "FP212")

RULE = Rule(
    name="call-arguments",
    codes=CODES,
    summary="a step call's arguments do not fit the step's inputs, or its id is invalid",
    rationale="""
        A step call binds its arguments to the step's inputs as a function call would:
        an input missing (FP207), an unknown keyword (FP208, with did-you-mean), too many
        positional arguments (FP209), an input given twice (FP210).  The invocation id must
        be a non-empty string (FP212).  `flow check` binds the arguments with the same code
        as a traced run, so the messages are the same.
    """,
    check=front_end(*CODES),
    valid=(
        """
        from flowplan import pipeline, step

        @step
        def scale(number: int, factor: float = 2.0) -> float:
            return number * factor

        @pipeline
        def scaling() -> None:
            scale(3)
            scale(3, factor=0.5, id="half")
        """,
    ),
    invalid=(
        """
        from flowplan import pipeline, step

        @step
        def clip(value: int, /, *, low: int = 0) -> int:
            return max(value, low)

        @pipeline
        def clipping() -> None:
            clip(value=3)  # expect: FP208:5
            clip(3, 0)  # expect: FP209:5
        """,
        """
        from flowplan import pipeline, step

        @step
        def scale(number: int, factor: float = 2.0) -> float:
            return number * factor

        @pipeline
        def scaling() -> None:
            scale()  # expect: FP207:5
            scale(3, facter=2.0)  # expect: FP208:5
            scale(1, 2.0, 3)  # expect: FP209:5
            scale(3, number=4)  # expect: FP210:5
            scale(3, id="")  # expect: FP212:5
        """,
    ),
)
