"""FP108 invalid-hook: a hook that is not a function or has a signature flowplan cannot fill."""

from __future__ import annotations

from flowplan.lint.context import front_end
from flowplan.lint.registry import Rule

RULE = Rule(
    name="invalid-hook",
    codes=("FP108",),
    summary="a hook is not callable or has an unsupported signature",
    rationale="""
        A success hook takes no parameters, or any of `step_name` and `step_output`; a
        failure hook takes none, or one exception parameter (DESIGN decision 4).  Any other
        signature could only fail when a step finishes -- possibly hours into a run -- so
        the decorator refuses it on import.  `flow check` reads the hook's `def` (or
        resolves its import path to a checked file) instead of importing it.
    """,
    check=front_end("FP108"),
    valid=(
        """
        from flowplan import pipeline, step

        def notify(step_name: str, step_output: object) -> None:
            print(step_name, step_output)

        def alert(exception: BaseException) -> None:
            print(exception)

        @step(on_success=notify, on_failure=alert)
        def train() -> int:
            return 1

        @pipeline(on_failure=alert)
        def training() -> None:
            train()
        """,
    ),
    invalid=(
        """
        from flowplan import pipeline, step

        def notify(message: str) -> None:
            print(message)

        def on_error(exception: BaseException, attempt: int) -> None:
            print(exception, attempt)

        @step(on_success=notify)  # expect: FP108:1
        def train() -> None:
            pass

        @step(on_failure=on_error)  # expect: FP108:1
        def evaluate() -> None:
            pass

        @pipeline(on_success="no_such_package.hooks.notify")  # expect: FP108:1
        def training() -> None:
            train()
        """,
    ),
)
