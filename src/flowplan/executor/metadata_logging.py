"""``log_metadata`` and ``add_tags``: metadata and tags on runs, step runs and artifacts.

Inside a running step they are collected on the step's context and recorded by the driver
with the step's result (a worker never writes run metadata); called anywhere else, or for
another run, they are written to the store at once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any
from uuid import UUID

from flowplan.diagnostics import FlowplanError
from flowplan.executor.context import StepContext, current_step_context
from flowplan.messages import runtime

if TYPE_CHECKING:
    from flowplan.store.local import LocalStore


def log_metadata(
    metadata: Mapping[str, Any],
    *,
    step_name: str | None = None,
    run_id_name_or_prefix: str | UUID | None = None,
    artifact_name: str | None = None,
    artifact_version: int | None = None,
    artifact_version_id: str | UUID | None = None,
    infer_artifact: bool = False,
) -> None:
    """Attach ``metadata`` (JSON values) to the running step (the default inside a step), one
    of its outputs (``infer_artifact=True``, ``artifact_name=`` an output name), a run
    (``run_id_name_or_prefix``), a step of a run (with ``step_name``), or an artifact version
    (``artifact_version_id``, or ``artifact_name`` with ``artifact_version``)."""
    values = dict(metadata)
    ctx = current_step_context()
    outside = run_id_name_or_prefix is not None or artifact_version_id is not None
    if ctx is not None and _in_step(ctx, outside, artifact_name):
        if infer_artifact or artifact_name is not None:
            output = _output(ctx, artifact_name)
            ctx.labels.artifact_metadata.setdefault(output, {}).update(values)
        else:
            ctx.labels.step_metadata.update(values)
        return
    store = _store()
    where = (run_id_name_or_prefix, artifact_name, artifact_version, artifact_version_id)
    kind, owner = _target(store, step_name, *where)
    store.metadata.add_labels(kind, owner, metadata=values)


def add_tags(
    tags: Iterable[str] | str,
    *,
    run: str | UUID | None = None,
    artifact_name: str | None = None,
    artifact_version: int | None = None,
    artifact_version_id: str | UUID | None = None,
    infer_artifact: bool = False,
) -> None:
    """Tag the running step's pipeline run (the default inside a step), one of its outputs
    (``infer_artifact=True``, ``artifact_name=`` an output name), a run (``run=``), or an
    artifact version."""
    names = [tags] if isinstance(tags, str) else [str(t) for t in tags]
    ctx = current_step_context()
    outside = run is not None or artifact_version_id is not None
    if ctx is not None and _in_step(ctx, outside, artifact_name):
        if infer_artifact or artifact_name is not None:
            output = _output(ctx, artifact_name)
            ctx.labels.artifact_tags.setdefault(output, []).extend(names)
        else:
            ctx.labels.run_tags.extend(names)
        return
    store = _store()
    kind, owner = _target(store, None, run, artifact_name, artifact_version, artifact_version_id)
    if kind == "step_run":
        kind = "run"
    store.metadata.add_labels(kind, owner, tags=names)


def _in_step(ctx: StepContext, outside: bool, artifact_name: str | None) -> bool:
    """Whether the labels go to the running step (collected), not to the store directly."""
    if outside:
        return False
    return artifact_name is None or artifact_name in ctx.output_names


def _output(ctx: StepContext, name: str | None) -> str:
    if name is not None:
        return name
    if len(ctx.output_names) == 1:
        return ctx.output_names[0]
    raise FlowplanError(runtime.ambiguous_metadata_output(ctx.step_run.name,
                                                          len(ctx.output_names)))


def _store() -> LocalStore:
    from flowplan.store.local import LocalStore

    return LocalStore.open()


def _target(
    store: LocalStore,
    step_name: str | None,
    run: str | UUID | None,
    artifact_name: str | None,
    artifact_version: int | None,
    artifact_version_id: str | UUID | None,
) -> tuple[Any, UUID]:
    meta = store.metadata
    if artifact_version_id is not None:
        return "artifact", meta.get_artifact(artifact_version_id).id
    if artifact_name is not None:
        return "artifact", meta.get_artifact_by_name(artifact_name, artifact_version).id
    if run is not None:
        record = meta.get_run(run)
        if step_name is None:
            return "run", record.id
        for step in meta.get_step_runs(record.id):
            if step.invocation_id == step_name:
                return "step_run", step.id
        raise FlowplanError(runtime.unknown_metadata_step(record.name, step_name))
    raise FlowplanError(runtime.metadata_target_missing())
