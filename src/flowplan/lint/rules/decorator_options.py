"""FP112 invalid-materializer and FP114 invalid-option: options of ``@step``/``@pipeline``."""

from __future__ import annotations

from flowplan.lint.context import front_end
from flowplan.lint.registry import Rule

RULE = Rule(
    name="decorator-options",
    codes=("FP112", "FP114"),
    summary="a decorator option is unknown, ill-typed, or names an output the step lacks",
    rationale="""
        Options of `@step`, `@pipeline`, `configure` and `with_options` are checked when
        they are applied: an unknown option (did you mean …?) or one of the wrong type
        (FP114), and `output_materializers` naming an output the step does not have
        (FP112), which would otherwise be ignored and store the output with the default
        materializer.
    """,
    check=front_end("FP112", "FP114"),
    valid=(
        """
        from flowplan import pipeline, step

        @step
        def load() -> int:
            return 1

        @pipeline
        def training() -> None:
            load.with_options(enable_cache=False)()

        nightly = training.with_options(run_name="nightly-{date}", enable_cache=False)
        """,
        """
        from typing import Annotated

        from flowplan import pipeline, step

        class WeightsMaterializer:
            pass

        @step(enable_cache=False, output_materializers={"weights": WeightsMaterializer})
        def train() -> Annotated[int, "weights"]:
            return 1

        @pipeline(settings={"orchestrator": {"max_workers": 2}})
        def training() -> None:
            train()
        """,
    ),
    invalid=(
        """
        from typing import Annotated

        from flowplan import pipeline, step

        class WeightsMaterializer:
            pass

        @step(output_materializers={"model": WeightsMaterializer})  # expect: FP112:1
        def train() -> Annotated[int, "weights"]:
            return 1

        @step(enable_cahce=False)  # expect: FP114:1
        def evaluate() -> None:
            pass

        @pipeline(settings=["orchestrator"])  # expect: FP114:1
        def training() -> None:
            train()
        """,
    ),
)
