"""Snapshots and triggers (DESIGN decision 16), run by the executor.

A snapshot stores a compiled plan and where its code lives (module name and file path).
Triggering one creates a run at once and executes it in a background process, which imports
the step code by module name -- or by file path when the module is not importable by name
(a script) -- and compiles the pipeline again with the run configuration on top.  An unknown
step id or parameter in the run configuration is refused before anything starts.
:mod:`flowplan.snapshots` is the public path of what is here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from uuid import UUID

from flowplan.compiler.plan import jsonable
from flowplan.diagnostics import CompileError, FlowplanError
from flowplan.messages import runtime
from flowplan.project import settings_for_a_run
from flowplan.store.views import PipelineRun, Snapshot

if TYPE_CHECKING:
    from flowplan.compiler.pipeline import Pipeline
    from flowplan.store.local import LocalStore
    from flowplan.store.records import SnapshotRecord


def create_snapshot(
    pipe: Pipeline,
    name: str,
    description: str | None = None,
    parameters: Mapping[str, Any] | None = None,
) -> Snapshot:
    """Compile ``pipe`` (with ``parameters``) and store the plan with where its code lives."""
    from flowplan.store.local import LocalStore

    compiled = pipe.compiled(**dict(parameters or {}))
    plan = compiled.plan
    record = LocalStore.open().metadata.create_snapshot(
        name, plan.pipeline, plan.to_json(), plan.source.module, plan.source.path, description
    )
    return Snapshot.of(record)


def find_snapshot(
    store: LocalStore, snapshot: str | UUID | None, pipeline: str | UUID | None
) -> SnapshotRecord:
    if snapshot is not None:
        return store.metadata.get_snapshot(snapshot)
    if pipeline is None:
        raise FlowplanError(
            runtime.trigger_without_target()
        )
    return store.metadata.latest_snapshot(str(pipeline))


def _check_configuration(snapshot: Snapshot, run_configuration: Mapping[str, Any]) -> None:
    from flowplan.compiler.runconfig import check_against_plan, parse_run_config

    config = parse_run_config(run_configuration)
    plan = snapshot.plan
    step_params = {inv.id: [d.name for d in inv.input_defs] for inv in plan.invocations}
    problems = check_against_plan(
        config, plan.ids(), step_params, list(plan.parameters), pipeline=plan.pipeline
    )
    if problems:
        raise CompileError(problems)


def trigger(
    store: LocalStore,
    snapshot: str | UUID | None,
    pipeline: str | UUID | None,
    run_configuration: Mapping[str, Any] | None,
    synchronous: bool,
) -> PipelineRun:
    """Create a run of a snapshot and execute it in a background process."""
    from flowplan.executor.background import Job, compile_snapshot, launch
    from flowplan.executor.naming import run_name

    settings_for_a_run()
    found = Snapshot.of(find_snapshot(store, snapshot, pipeline))
    configuration = dict(run_configuration or {})
    _check_configuration(found, configuration)
    compile_snapshot(store, found.id, configuration)  # refuses changed code before a run exists
    plan = found.plan
    template = configuration.get("run_name") or plan.config.run_name
    substitutions = {**plan.config.substitutions, **configuration.get("substitutions", {})}
    name = run_name(plan.pipeline, template, substitutions)
    run_id = store.metadata.create_run(
        name,
        plan.pipeline,
        plan.parameters,
        found.plan_json,
        jsonable(plan.config),
        snapshot_id=found.id,
    )
    process = launch(
        Job(run_id=run_id, run_name=name, snapshot_id=found.id, run_configuration=configuration),
        store,
    )
    if synchronous:
        process.wait()
    return PipelineRun(store.metadata.get_run(run_id), store)
