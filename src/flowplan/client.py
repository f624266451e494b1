"""``Client``: the read API over the store (seed path ``flowplan.client.Client``)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any
from uuid import UUID

from flowplan.diagnostics import FlowplanError
from flowplan.enums import ExecutionStatus
from flowplan.store.views import (
    ArtifactVersion,
    Attempt,
    Pipeline,
    PipelineRun,
    StepRun,
    StepRunConfiguration,
    pipeline_not_found,
)

if TYPE_CHECKING:
    from flowplan.snapshots import Snapshot
    from flowplan.stack import Stack
    from flowplan.store.local import LocalStore


__all__ = [
    "ArtifactVersion",
    "Attempt",
    "Client",
    "Pipeline",
    "PipelineRun",
    "StepRun",
    "StepRunConfiguration",
]


class Client:
    """Reads runs and artifacts of the active (local) stack's store."""

    def __init__(self, home: str | Path | None = None) -> None:
        self._home = Path(home) if home is not None else None
        self._store: LocalStore | None = None

    @property
    def store(self) -> LocalStore:
        if self._store is None:
            from flowplan.store.local import LocalStore

            self._store = LocalStore.open(self._home)
        return self._store

    @property
    def active_stack(self) -> Stack:
        """The stack in use: store location, orchestrator and alerter (read afresh)."""
        from flowplan.stack import active_stack

        return active_stack(home=self._home)

    def get_pipeline_run(self, name_or_id: str | UUID) -> PipelineRun:
        return PipelineRun(self.store.metadata.get_run(name_or_id), self.store)

    def get_pipeline(self, name: str) -> Pipeline:
        """A pipeline by name, with its runs (FP520 when the store has no run of it)."""
        known = self.store.metadata.list_pipelines()
        if name not in known:
            raise pipeline_not_found(name, known)
        return Pipeline(name, self.store)

    def list_pipelines(self) -> list[Pipeline]:
        """The pipelines the store has runs of, oldest first."""
        return [Pipeline(name, self.store) for name in self.store.metadata.list_pipelines()]

    def list_pipeline_runs(
        self,
        pipeline: str | None = None,
        status: str | ExecutionStatus | None = None,
        limit: int | None = None,
        *,
        pipeline_name: str | None = None,
    ) -> list[PipelineRun]:
        """Runs, newest first, optionally of one pipeline (``pipeline`` or, as ZenML spells it,
        ``pipeline_name``) and/or one status."""
        pipeline = pipeline if pipeline is not None else pipeline_name
        wanted = ExecutionStatus(status) if status is not None else None
        records = self.store.metadata.list_runs(pipeline=pipeline, status=wanted, limit=limit)
        return [PipelineRun(r, self.store) for r in records]

    def get_artifact_version(
        self, name_or_id: str | UUID, version: int | None = None
    ) -> ArtifactVersion:
        """An artifact version by name (latest, or ``version``) or by id."""
        meta = self.store.metadata
        try:
            record = meta.get_artifact(UUID(str(name_or_id)))
        except ValueError:
            record = meta.get_artifact_by_name(str(name_or_id), version)
        except FlowplanError:
            record = meta.get_artifact_by_name(str(name_or_id), version)
        return ArtifactVersion(record, self.store)

    # -- snapshots and triggers ------------------------------------------------------------
    def get_snapshot(self, name_or_id: str | UUID) -> Snapshot:
        from flowplan.snapshots import Snapshot

        return Snapshot.of(self.store.metadata.get_snapshot(name_or_id))

    def list_snapshots(
        self, pipeline: str | None = None, limit: int | None = None
    ) -> list[Snapshot]:
        """Snapshots, newest first."""
        from flowplan.snapshots import Snapshot

        records = self.store.metadata.list_snapshots(pipeline=pipeline, limit=limit)
        return [Snapshot.of(r) for r in records]

    def trigger_pipeline(
        self,
        snapshot_name_or_id: str | UUID | None = None,
        pipeline_name_or_id: str | UUID | None = None,
        run_configuration: Mapping[str, Any] | None = None,
        synchronous: bool = False,
    ) -> PipelineRun:
        """Run a snapshot (the latest of a pipeline when only its name is given) in a
        background process; ``synchronous=True`` waits for it to finish.  Called by the
        module-level code of a file being loaded -- by the CLI, or by a background run that
        imports the pipeline --, nothing is triggered and None is returned."""
        from flowplan.loader import loading, skipped_call
        from flowplan.snapshots import trigger

        if loading():
            skipped_call(f"the trigger of `{snapshot_name_or_id or pipeline_name_or_id}`")
            return None  # type: ignore[return-value]

        return trigger(
            self.store, snapshot_name_or_id, pipeline_name_or_id, run_configuration, synchronous
        )
