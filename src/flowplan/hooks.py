"""Ready-made hooks at their seed-compatible path ``flowplan.hooks``.

``@step(on_success=alerter_success_hook, on_failure=alerter_failure_hook)`` posts a message
naming the pipeline, the run and the step (and the error) to the active stack's alerter.
"""

from __future__ import annotations

from flowplan.executor.context import get_step_context


def _where() -> str:
    context = get_step_context()
    return (
        f"step `{context.step_run.name}` of pipeline `{context.pipeline.name}` "
        f"(run `{context.pipeline_run.name}`)"
    )


def _post(message: str) -> None:
    from flowplan.client import Client

    Client().active_stack.alerter.post(message)


def alerter_success_hook() -> None:
    """Post that the running step succeeded."""
    _post(f"{_where()} succeeded.")


def alerter_failure_hook(exception: BaseException) -> None:
    """Post that the running step failed, with its error."""
    _post(f"{_where()} failed: {type(exception).__name__}: {exception}")
