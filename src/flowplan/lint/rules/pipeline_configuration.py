"""FP303, FP304, FP305, FP332, FP340: a pipeline's run name, settings and execution mode."""

from __future__ import annotations

from flowplan.lint.context import front_end
from flowplan.lint.registry import Rule

CODES = ("FP303", "FP304", "FP305", "FP332", "FP340")

RULE = Rule(
    name="pipeline-configuration",
    codes=CODES,
    summary="a run name placeholder, a setting or the execution mode is invalid",
    rationale="""
        A run name may use `{date}`, `{time}` and the keys of `substitutions=` (FP303);
        `settings=` hold the known keys with values of the right type (FP304); the execution
        mode is one of `ExecutionMode`'s members or their names (FP305); a run uses one Dask
        cluster, so a single step cannot set `dask_address` (FP332).  These are checked
        when the pipeline is defined or compiled, before any step runs.
    """,
    check=front_end(*CODES),
    valid=(
        """
        from flowplan import pipeline, step
        from flowplan.enums import ExecutionMode

        @step
        def load() -> int:
            return 1

        @pipeline(
            run_name="{team}-{date}",
            substitutions={"team": "vision"},
            settings={"orchestrator": {"max_workers": 2}},
            execution_mode=ExecutionMode.FAIL_FAST,
        )
        def training() -> None:
            load()
        """,
    ),
    invalid=(
        """
        from flowplan import pipeline, step

        @step
        def load() -> int:
            return 1

        @pipeline(settings={"orchestrater": {"max_workers": 2}})  # expect: FP304:1
        def misspelt() -> None:
            load()
        """,
        """
        from flowplan import pipeline, step

        @step(settings={"orchestrator": {"isolation": "container"}})  # expect: FP304:1
        def load() -> int:
            return 1

        @pipeline(run_name="training-{user}")  # expect: FP303:1
        def named() -> None:
            load()

        @pipeline(execution_mode="sometimes")  # expect: FP305:1
        def moded() -> None:
            load()

        @pipeline(run_name="runs/{date}/../latest")  # expect: FP340:1
        def path_named() -> None:
            load()
        """,
        """
        from flowplan import pipeline, step

        @step(settings={"orchestrator": {"dask_address": "tcp://gpu:8786"}})  # expect: FP332:1
        def train() -> int:
            return 1

        @pipeline
        def training() -> None:
            train()
        """,
    ),
)
