"""FP205 unpack-outputs: unpacking a step call into a different number of names."""

from __future__ import annotations

from flowplan.lint.context import front_end
from flowplan.lint.registry import Rule

RULE = Rule(
    name="unpack-outputs",
    codes=("FP205",),
    summary="unpacking a step call does not match its outputs",
    rationale="""
        A step has several outputs only when its returns are tuple literals and its
        annotation a fixed-length `Tuple` (DESIGN decision 1); anything else is one output,
        which cannot be unpacked.  `a, b = one_output()` or unpacking two outputs into three
        names fails when the pipeline is compiled; `flow check` knows the outputs from the
        step's source and reports it with Python's own words.
    """,
    check=front_end("FP205"),
    valid=(
        """
        from typing import Tuple

        from flowplan import pipeline, step

        @step
        def pair() -> Tuple[int, ...]:
            values = (1, 2)
            return values

        @pipeline
        def one_output() -> None:
            both = pair()
        """,
        """
        from typing import Tuple

        from flowplan import pipeline, step

        @step
        def split() -> Tuple[int, int]:
            return 1, 2

        @pipeline
        def splitting() -> None:
            train, test = split()
        """,
    ),
    invalid=(
        """
        from typing import Tuple

        from flowplan import pipeline, step

        @step
        def load() -> dict:
            return {"k": 1}

        @step
        def split() -> Tuple[int, int]:
            return 1, 2

        @pipeline
        def unpacking() -> None:
            features, labels = load()  # expect: FP205:5
            train, test, extra = split()  # expect: FP205:5
        """,
    ),
)
