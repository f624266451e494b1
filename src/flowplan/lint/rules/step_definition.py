"""FP109 not-a-function and FP110 unsupported-step-signature."""

from __future__ import annotations

from flowplan.lint.context import front_end
from flowplan.lint.registry import Rule

RULE = Rule(
    name="step-definition",
    codes=("FP109", "FP110"),
    summary="@step/@pipeline is applied to something that cannot be a step or pipeline",
    rationale="""
        A step is a plain function with named inputs: the pipeline graph is built from its
        parameter names.  A class, a coroutine or a generator cannot be a step (FP109);
        `*args`/`**kwargs`, or an input named `id` or `after` -- the keywords a step call
        reserves -- cannot be wired (FP110).  The decorator refuses them when the module is
        imported, so nothing in the module runs.
    """,
    check=front_end("FP109", "FP110"),
    valid=(
        """
        from flowplan import step

        @step
        def total(values: list) -> int:
            return sum(values)

        @step
        def lookup(id_: str, after_: int = 0) -> str:
            return id_ * after_
        """,
    ),
    invalid=(
        """
        from flowplan import step

        @step(enable_cache=False)  # expect: FP109:1
        async def fetch() -> int:
            return 1
        """,
        """
        from flowplan import pipeline, step

        @step  # expect: FP109:1
        class Loader:
            pass

        @step  # expect: FP109:1
        def stream() -> int:
            yield 1

        @step  # expect: FP110:1
        def total(*values: int) -> int:
            return sum(values)

        @step  # expect: FP110:1 FP110:1
        def lookup(id: str, after: int) -> str:
            return id * after
        """,
    ),
)
