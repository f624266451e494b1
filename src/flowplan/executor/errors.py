"""Errors a run raises."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flowplan.diagnostics import FlowplanError
from flowplan.messages import runtime

if TYPE_CHECKING:
    from flowplan.store.views import PipelineRun


class RunFailedError(FlowplanError, RuntimeError):
    """A synchronous run in which a step failed; raised after the execution mode played out."""

    def __init__(self, run: PipelineRun, failures: dict[str, str]) -> None:
        self.run = run
        self.failures = failures
        super().__init__(
            runtime.run_failed(run.name, failures)
        )

