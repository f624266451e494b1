"""FP102-FP106: a step's outputs, as decided from its return annotation and its returns."""

from __future__ import annotations

from flowplan.lint.context import front_end
from flowplan.lint.registry import Rule

CODES = ("FP102", "FP103", "FP104", "FP105", "FP106")

RULE = Rule(
    name="step-outputs",
    codes=CODES,
    summary="a step's return annotation and its returns do not agree on its outputs",
    rationale="""
        A step has several outputs exactly when every `return` is a tuple literal and the
        annotation is a fixed-length `Tuple[...]` (DESIGN decisions 1-2).  When the two
        disagree -- a `Tuple[int, ...]` (FP102), a tuple of the wrong length (FP103), tuple
        and non-tuple returns mixed (FP104), two outputs with one name (FP105), `Annotated`
        metadata that is not one name (FP106) -- the step cannot be wired, and a run stops
        when the step is first used.  The analyzer decides this from the source, so
        `flow check` reports it at the offending `return` or annotation.
    """,
    check=front_end(*CODES),
    valid=(
        """
        from typing import Annotated, Tuple

        from flowplan import step

        @step
        def split(n: int) -> Tuple[Annotated[int, "train"], Annotated[int, "test"]]:
            return n * 8 // 10, n - n * 8 // 10

        @step
        def pair() -> Tuple[int, ...]:
            values = (1, 2)
            return values
        """,
    ),
    invalid=(
        """
        from typing import Annotated, Tuple

        from flowplan import step

        @step
        def variadic() -> Tuple[int, ...]:
            return 1, 2  # expect: FP102:5

        @step
        def arity() -> Tuple[int, int]:
            return 1, 2, 3  # expect: FP103:5

        @step
        def mixed(flag: bool) -> Tuple[int, int]:
            if flag:
                return 1, 2
            values = (3, 4)
            return values  # expect: FP104:5

        @step
        def twice() -> Tuple[Annotated[int, "n"], Annotated[int, "n"]]:  # expect: FP105:43
            return 1, 2

        @step
        def unnamed() -> Annotated[int, 42]:  # expect: FP106:33
            return 1
        """,
    ),
)
