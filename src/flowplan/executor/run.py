"""Running a compiled pipeline: name the run, drive it, report, return the ``PipelineRun``."""

from __future__ import annotations

import os
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from flowplan.compiler.plan import jsonable
from flowplan.compiler.settings import orchestrator_settings
from flowplan.diagnostics import FlowplanError, StoreError
from flowplan.enums import ExecutionStatus
from flowplan.executor.capture import capturing_run
from flowplan.executor.driver import Driver
from flowplan.executor.ledger import RunState, open_ledger
from flowplan.executor.naming import run_name
from flowplan.executor.progress import Progress
from flowplan.executor.worker import refuses_runs
from flowplan.executor.worker_protocol import modules_importing_now
from flowplan.messages import runtime
from flowplan.project import Look, one_look, settings_for_a_run

if TYPE_CHECKING:
    from uuid import UUID

    from flowplan.compiler.pipeline import CompiledPipeline
    from flowplan.store.local import LocalStore

S = ExecutionStatus
NAME_ATTEMPTS = 5  # names taken from the clock, tried before a clash is reported


def start_run(compiled: CompiledPipeline, store: LocalStore, *, unlisted: bool = False) -> RunState:
    """Create the run record; a taken run name, or invalid project settings (FP008), are
    refused here, before any step runs."""
    plan = compiled.plan
    settings_for_a_run()
    if refuses_runs():
        raise FlowplanError(
            runtime.run_from_worker(plan.pipeline)
        )
    run_id, name, named_at = _create_run(compiled, store, unlisted)
    return RunState(
        run_id=run_id, run_name=name, warnings=list(compiled.warnings), named_at=named_at
    )


def _create_run(
    compiled: CompiledPipeline, store: LocalStore, unlisted: bool
) -> tuple[UUID, str, datetime]:
    """Name and record the run.  Of two runs named by the clock in the same microsecond, the
    later takes the next tick; a taken name without ``{time}`` is refused (FP501)."""
    plan = compiled.plan
    plan_json = compiled.plan_json if compiled.plan_json is not None else plan.to_json()
    attempt = 0
    while True:
        attempt += 1
        now = datetime.now(timezone.utc)
        name = run_name(plan.pipeline, plan.config.run_name, plan.config.substitutions, now)
        try:
            run_id = store.metadata.create_run(
                name,
                plan.pipeline,
                plan.parameters,
                plan_json,
                jsonable(plan.config),
                unlisted=unlisted,
                plan_hash=compiled.plan_hash,
            )
        except StoreError as exc:
            timed = _timed(plan.config.run_name)
            if exc.code != "FP501" or not timed or attempt == NAME_ATTEMPTS:
                raise
            continue
        if plan.config.tags:
            store.metadata.add_labels("run", run_id, tags=plan.config.tags)
        return run_id, name, now


def _timed(template: str | None) -> bool:
    """Whether a run name template changes with the clock (the default one does)."""
    return not template or "{time}" in template


def drive(
    compiled: CompiledPipeline, store: LocalStore, state: RunState, look: Look | None = None
) -> ExecutionStatus:
    """Run every step of the plan; returns the run's final status.  ``look``: the look at the
    project that started the run (:func:`flowplan.project.one_look`), if it is still its start.

    If the driver itself fails (or is interrupted), the run is closed as failed (stopped)
    and the error propagates."""
    plan = compiled.plan
    settings = orchestrator_settings(plan.config.settings)
    # Modules running this pipeline as they import travel by value to worker processes (of
    # process isolation, or Dask), which must never import them: found on this thread's stack.
    by_value = modules_importing_now()
    progress = Progress(state.run_name, len(plan.invocations))
    progress.run_started(plan.pipeline)
    ledger = None
    try:
        ledger = open_ledger(compiled, store, state, progress)
        ledger.writer.run_started(os.getpid())
        with one_look(look):  # what the backend reads of the project, before any step runs
            driver = Driver(ledger, settings, by_value)
        with capturing_run(), progress.showing_output():
            driver.run()
    except BaseException as exc:
        interrupted = isinstance(exc, KeyboardInterrupt)
        status = S.STOPPED if interrupted else S.FAILED
        warnings = [w.to_json() for w in state.warnings]
        if ledger is None:
            store.metadata.finish_run(state.run_id, status, warnings)
        else:
            ledger.writer.finish_run(status, warnings)
        progress.run_finished(status, "interrupted" if interrupted else type(exc).__name__)
        raise
    status = S.FAILED if state.failures else S.COMPLETED
    ledger.writer.finish_run(status, [w.to_json() for w in state.warnings])
    progress.run_finished(status)
    return status


def start_workers_early(compiled: CompiledPipeline) -> None:
    """Under process isolation, start the fork server of worker processes now: it loads
    while the store opens and the run is recorded, and is ready sooner for the first step.
    Anything unusual (a setting in error, a Dask cluster, a run in the background, a
    platform without fork) is left to the run itself to deal with and report."""
    try:
        settings = orchestrator_settings(compiled.plan.config.settings)
        if settings.isolation != "process" or not synchronous(compiled):
            return
        from flowplan.executor.backends import default_workers
        from flowplan.executor.dask_target import dask_target
        from flowplan.executor.procpool import shared_pool

        if dask_target(settings, default_workers()) is None:
            shared_pool().start()
    except FlowplanError:
        return


def synchronous(compiled: CompiledPipeline) -> bool:
    """The pipeline's own ``synchronous`` setting, else the project's, else True."""
    from flowplan.compiler.settings import normalise_settings

    explicit = normalise_settings(compiled.plan.config.settings).get("orchestrator") or {}
    if "synchronous" in explicit:
        return bool(explicit["synchronous"])
    from flowplan.env import env_value
    from flowplan.project import find_project_root, has_project_table

    if env_value("SYNCHRONOUS") is None and not has_project_table(find_project_root()):
        return True
    from flowplan.project import current_settings

    stack_wide = current_settings().synchronous
    return True if stack_wide is None else stack_wide

