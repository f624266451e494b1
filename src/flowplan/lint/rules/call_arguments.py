"""FP207-FP210, FP212: a step call's arguments do not bind to the step's inputs."""

from __future__ import annotations

from flowplan.diagnostics import Diagnostic
from flowplan.lint.context import FileContext, front_end
from flowplan.lint.direct_calls import missing_inputs
from flowplan.lint.registry import Rule

CODES = ("FP207", "FP208", "FP209", "FP210", "FP212")
_IN_PIPELINES = front_end(*CODES)


def check(ctx: FileContext) -> list[Diagnostic]:
    """Calls in pipeline bodies (the front end), and direct calls at module level and in
    step bodies, which run the step at once (FP207)."""
    return [*_IN_PIPELINES(ctx), *missing_inputs(ctx)]


RULE = Rule(
    name="call-arguments",
    codes=CODES,
    summary="a step call's arguments do not fit the step's inputs, or its id is invalid",
    rationale="""
        A step call binds its arguments to the step's inputs as a function call would:
        an input missing (FP207), an unknown keyword (FP208, with did-you-mean), too many
        positional arguments (FP209), an input given twice (FP210).  The invocation id must
        be a non-empty string (FP212).  `flow check` binds the arguments with the same code
        as a traced run, so the messages are the same.  A step called directly -- at module
        level, or from a step's own body -- runs at once, so an input missing there is
        FP207 too.
    """,
    check=check,
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
        """
        from flowplan import step

        @step
        def countdown(n: int) -> int:
            if n > 0:
                return countdown()  # expect: FP207:16
            return n

        if __name__ == "__main__":
            countdown()  # expect: FP207:5
        """,
    ),
)
