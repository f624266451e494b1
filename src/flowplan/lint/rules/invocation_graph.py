"""FP201 cycle, FP202 unknown-after, FP203 duplicate-id: the invocation graph of a pipeline."""

from __future__ import annotations

from flowplan.lint.context import front_end
from flowplan.lint.registry import Rule

RULE = Rule(
    name="invocation-graph",
    codes=("FP201", "FP202", "FP203"),
    summary="invocation ids collide, after= names no call, or the steps form a cycle",
    rationale="""
        Ids name the nodes of the pipeline's graph: the first call of a step gets its name,
        later calls `name_2`, `name_3`, …, and `id=` must be unique (FP203).  `after=` may
        name an id as a string -- of a call that exists (FP202) -- and may then close a
        cycle the scheduler could never run (FP201).  Each branch of an `if` on a parameter
        is checked as if it ran alone, as a traced run would see it.
    """,
    check=front_end("FP201", "FP202", "FP203"),
    valid=(
        """
        from flowplan import pipeline, step

        @step
        def load(source: str) -> int:
            return len(source)

        @step
        def report() -> None:
            pass

        @pipeline
        def ordering(full: bool = False) -> None:
            load("a.csv")
            if full:
                load("b.csv", id="load_b")
            else:
                load("c.csv", id="load_b")
            report(after=["load", "load_b"])
        """,
    ),
    invalid=(
        """
        from flowplan import pipeline, step

        @step
        def load(source: str) -> int:
            return len(source)

        @step
        def train(data: int) -> int:
            return data

        @pipeline
        def ids() -> None:
            load("a.csv", id="load_data")
            load("b.csv", id="load_data")  # expect: FP203:5

        @pipeline
        def ordering() -> None:
            load("a.csv", after="laod")  # expect: FP202:5

        @pipeline
        def cyclic() -> None:
            data = load("a.csv", after="train")
            train(data)  # expect: FP201:5
        """,
    ),
)
