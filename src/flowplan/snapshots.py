"""Snapshots and triggers (DESIGN decision 16).

A snapshot stores a compiled plan and where its code lives (module name and file path).
Triggering one creates a run at once and executes it in a background process, which imports
the step code by module name -- or by file path when the module is not importable by name
(a script) -- and compiles the pipeline again with the run configuration on top.  An unknown
step id or parameter in the run configuration is refused before anything starts.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from flowplan.codes import make
from flowplan.compiler.plan import jsonable
from flowplan.diagnostics import CompileError, FlowplanError

if TYPE_CHECKING:
    from flowplan.client import PipelineRun
    from flowplan.compiler.pipeline import CompiledPipeline, Pipeline
    from flowplan.compiler.plan import Plan
    from flowplan.store.local import LocalStore
    from flowplan.store.records import SnapshotRecord


@dataclass(frozen=True)
class Snapshot:
    id: UUID
    name: str
    pipeline_name: str
    description: str | None
    created: datetime
    module: str | None
    path: str | None
    plan_json: str

    @property
    def plan(self) -> Plan:
        from flowplan.compiler.plan import Plan

        return Plan.from_json(self.plan_json)

    @classmethod
    def of(cls, record: SnapshotRecord) -> Snapshot:
        return cls(
            record.id,
            record.name,
            record.pipeline,
            record.description,
            record.created,
            record.module,
            record.path,
            record.plan,
        )


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
            make(
                "FP516",
                "trigger_pipeline needs a snapshot name or id, or a pipeline name",
                fix="pass snapshot_name_or_id=... or pipeline_name_or_id=...",
            )
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
    from flowplan.client import PipelineRun
    from flowplan.executor.background import Job, launch
    from flowplan.executor.naming import run_name

    found = Snapshot.of(find_snapshot(store, snapshot, pipeline))
    configuration = dict(run_configuration or {})
    _check_configuration(found, configuration)
    plan = found.plan
    template = configuration.get("run_name") or plan.config.run_name
    substitutions = {**plan.config.substitutions, **configuration.get("substitutions", {})}
    name = run_name(plan.pipeline, template, substitutions)
    run_id = store.metadata.create_run(
        name, plan.pipeline, plan.parameters, found.plan_json, jsonable(plan.config)
    )
    process = launch(
        Job(run_id=run_id, run_name=name, snapshot_id=found.id, run_configuration=configuration),
        store,
    )
    if synchronous:
        process.wait()
    return PipelineRun(store.metadata.get_run(run_id), store)


def _pipeline_object(snapshot: Snapshot) -> Pipeline:
    from flowplan.compiler.pipeline import Pipeline
    from flowplan.executor.worker import importing_user_code
    from flowplan.loader import load_module

    plan = snapshot.plan
    with importing_user_code():
        module: Any = None
        if plan.source.module and plan.source.module != "__main__":
            try:
                module = importlib.import_module(plan.source.module)
            except ImportError:
                module = None
        if module is None and snapshot.path:
            module = load_module(snapshot.path)
    obj = getattr(module, plan.source.qualname, None) if module is not None else None
    if not isinstance(obj, Pipeline):
        raise FlowplanError(
            make(
                "FP516",
                f"snapshot `{snapshot.name}`: pipeline `{plan.source.qualname}` is no longer "
                f"found in {snapshot.path or plan.source.module}",
                fix="define the pipeline at module level, or create the snapshot again",
            )
        )
    return obj


def compile_snapshot(
    store: LocalStore, snapshot_id: UUID, run_configuration: Mapping[str, Any] | None
) -> CompiledPipeline:
    """In the background process: the snapshot's pipeline compiled with the configuration."""
    snapshot = Snapshot.of(store.metadata.get_snapshot(snapshot_id))
    pipe = _pipeline_object(snapshot)
    configuration = dict(run_configuration or {})
    params = {**snapshot.plan.parameters, **configuration.pop("parameters", {})}
    return pipe.compiled_with(configuration, **params)
