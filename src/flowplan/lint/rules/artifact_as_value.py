"""FP204 artifact-as-value: branching on, iterating over or computing with an artifact in a
pipeline body."""

from __future__ import annotations

from flowplan.lint.context import front_end
from flowplan.lint.registry import Rule

RULE = Rule(
    name="artifact-as-value",
    codes=("FP204",),
    summary="an artifact is used as a value inside a pipeline body",
    rationale="""
        A pipeline body runs once, when the pipeline is compiled, to record which steps run
        and how they connect; a step call there returns a placeholder for an artifact that
        exists only when the step has run.  Testing it (`if data:`), iterating over it,
        indexing it, asking it for an attribute or computing with it (`n + 1`) cannot work.
        `flow check` follows the body as the tracer does and reports the same words at the
        same expression.  Branching on a pipeline *parameter* is fine.
    """,
    check=front_end("FP204"),
    valid=(
        """
        from flowplan import pipeline, step

        @step
        def load() -> dict:
            return {"k": 1}

        @step
        def size(data: dict) -> int:
            return len(data)

        @pipeline
        def sizes(twice: bool = False) -> None:
            data = load()
            size(data)
            if twice:
                size(data)
        """,
    ),
    invalid=(
        """
        from flowplan import pipeline, step

        @step
        def load() -> dict:
            return {"k": 1}

        @step
        def count() -> int:
            return 3

        @step
        def combine(values: list) -> int:
            return len(values)

        @pipeline
        def misuse() -> None:
            data = load()
            if data:  # expect: FP204:8
                count()
            for key in data:  # expect: FP204:16
                print(key)
            value = data["k"]  # expect: FP204:13
            n = count()
            print(n + 1)  # expect: FP204:11
            combine([n, 1])  # expect: FP204:5
        """,
    ),
)
