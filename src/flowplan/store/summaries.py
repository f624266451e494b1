"""Runs, steps and artifacts as plain data (``--json`` of the ``flow`` commands, reusable by
other front ends), and cache provenance: which step run a cached step reused."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flowplan.store.views import ArtifactVersion, PipelineRun, StepRun


def _time(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _seconds(start: datetime | None, end: datetime | None) -> float | None:
    return None if start is None or end is None else round((end - start).total_seconds(), 6)


def run_row(run: PipelineRun) -> dict[str, Any]:
    """One run, as ``flow runs list --json`` shows it."""
    return {
        "id": str(run.id),
        "name": run.name,
        "pipeline": run.pipeline_name,
        "status": run.status.value,
        "started": _time(run.start_time),
        "ended": _time(run.end_time),
        "duration": _seconds(run.start_time, run.end_time),
    }


def orchestrator(run: PipelineRun) -> dict[str, Any]:
    """The orchestrator a run was configured with (``local`` unless its settings say)."""
    settings = run.config.get("settings") or {}
    chosen = dict(settings.get("orchestrator") or {})
    chosen.setdefault("flavor", "dask" if chosen.get("dask_address") else "local")
    return chosen


def run_summary(run: PipelineRun) -> dict[str, Any]:
    """Everything ``flow runs show`` tells about a run."""
    return {
        **run_row(run),
        "parameters": run.parameters,
        "orchestrator": orchestrator(run),
        "execution_mode": run.config.get("execution_mode"),
        "warnings": run.warnings,
        "steps": [step_summary(step) for step in run.steps.values()],
    }


def step_summary(step: StepRun) -> dict[str, Any]:
    original = original_step(step)
    return {
        "id": str(step.id),
        "name": step.name,
        "step": step.step_name,
        "status": step.status.value,
        "started": _time(step.start_time),
        "ended": _time(step.end_time),
        "duration": step.duration,
        "parameters": step.config.parameters,
        "cache_key": step.cache_key,
        "cached_from": None if original is None else {
            "run": original.run_name, "step": original.name, "step_run_id": str(original.id)
        },
        "attempts": [
            {"number": a.number, "started": _time(a.started), "ended": _time(a.ended),
             "error": a.error}
            for a in step.attempts
        ],
        "inputs": {k: [artifact_row(v) for v in vs] for k, vs in step.inputs.items()},
        "outputs": {k: [artifact_row(v) for v in vs] for k, vs in step.outputs.items()},
        "error": step.error,
    }


def artifact_row(artifact: ArtifactVersion) -> dict[str, Any]:
    return {
        "id": str(artifact.id),
        "name": artifact.name,
        "version": artifact.version,
        "data_type": artifact.data_type,
        "materializer": artifact.materializer,
        "content_hash": artifact.content_hash,
        "uri": artifact.uri,
        "created": _time(artifact.created),
    }


def original_step(step: StepRun) -> StepRun | None:
    """For a cached step, the step run whose results it reused (None otherwise, or when that
    run was deleted).  The store records it since schema v3; before, the producer of the
    step's outputs tells."""
    from flowplan.enums import ExecutionStatus

    if step.status is not ExecutionStatus.CACHED:
        return None
    original_id = getattr(step, "original_step_run_id", None)
    if original_id is None:
        producers = [v.producer_id for vs in step.outputs.values() for v in vs]
        original_id = next((p for p in producers if p is not None and p != step.id), None)
    if original_id is None:
        return None
    return step.sibling(original_id)
