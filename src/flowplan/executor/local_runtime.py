"""The executor's side of the compiler's one seam (:mod:`flowplan.compiler.runtime`): runs
on the local stack (and the orchestrator its settings choose), snapshots in its store."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from flowplan.env import env_flag
from flowplan.project import one_look

if TYPE_CHECKING:
    from flowplan.compiler.pipeline import CompiledPipeline, Pipeline
    from flowplan.compiler.step import BaseStep
    from flowplan.store.views import PipelineRun, Snapshot


class LocalRuntime:
    """Implements :class:`flowplan.compiler.runtime.Runtime`."""

    def run_pipeline(self, compiled: CompiledPipeline) -> PipelineRun:
        """Run ``compiled`` -- in this process unless its settings say ``synchronous: false``;
        raise ``RunFailedError`` (after the execution mode played out) if a step failed."""
        from flowplan.executor.errors import RunFailedError
        from flowplan.executor.run import drive, start_run, start_workers_early, synchronous
        from flowplan.store.local import LocalStore
        from flowplan.store.views import PipelineRun

        # The run's settings, resolved as it starts (DESIGN decision 11), in one look that
        # its driver takes up again before the first step runs.
        with one_look() as look:
            start_workers_early(compiled)
            store = LocalStore.for_runs()
            state = start_run(compiled, store)
            in_this_process = synchronous(compiled)
        if not in_this_process:
            from flowplan.executor.background import start_detached

            start_detached(compiled, store, state)
            if not env_flag("QUIET"):  # progress, on stderr: stdout is for results
                print(f"Pipeline run {state.run_name} goes on in the background.",
                      file=sys.stderr)
            return PipelineRun(store.metadata.get_run(state.run_id), store)
        drive(compiled, store, state, look)
        run = PipelineRun(store.metadata.get_run(state.run_id), store)
        if state.failures:
            raise RunFailedError(run, state.failures)
        return run

    def run_step(self, step: BaseStep, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        from flowplan.executor.single import run_single_step

        return run_single_step(step, args, kwargs)

    def create_snapshot(
        self, pipe: Pipeline, name: str, description: str | None,
        parameters: Mapping[str, Any] | None,
    ) -> Snapshot:
        from flowplan.executor.triggers import create_snapshot

        return create_snapshot(pipe, name, description, parameters)
