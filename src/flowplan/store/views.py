"""What users read of stored records: runs, step runs, artifact versions and snapshots.

These views sit on the store, below the executor that creates runs and above nothing else;
:mod:`flowplan.client` and :mod:`flowplan.snapshots` re-export them at their public paths.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

from flowplan.diagnostics import StoreError
from flowplan.enums import ExecutionStatus
from flowplan.messages import runtime

if TYPE_CHECKING:
    from flowplan.compiler.plan import Plan
    from flowplan.store.local import LocalStore
    from flowplan.store.records import ArtifactRecord, RunRecord, SnapshotRecord, StepRunRecord


class ArtifactVersion:
    """One stored version of an artifact; ``load()`` reads its value back."""

    def __init__(self, record: ArtifactRecord, store: LocalStore) -> None:
        self._record = record
        self._store = store
        self.id: UUID = record.id
        self.name: str = record.name
        self.version: int = record.version
        self.uri: str = record.uri
        self.content_hash: str = record.content_hash
        self.data_type: str = record.data_type
        self.materializer: str = record.materializer
        self.created: datetime = record.created
        self.producer_id: UUID | None = record.step_run_id  # the step run that wrote it

    def load(self) -> Any:
        return self._store.load_artifact(self._record)

    @property
    def run_metadata(self) -> dict[str, Any]:
        return self._store.metadata.get_metadata("artifact", self.id)

    @property
    def tags(self) -> list[str]:
        return self._store.metadata.get_tags("artifact", self.id)

    def __flowplan_artifact__(self) -> tuple[UUID, str, int]:
        """Passed to a step (in a pipeline, or called alone), this version is the input."""
        return self.id, self.name, self.version

    def __repr__(self) -> str:
        return f"<ArtifactVersion {self.name} v{self.version} {self.data_type}>"


@dataclass(frozen=True)
class StepRunConfiguration:
    """A step run's configuration as the Client shows it: its parameters."""

    parameters: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Attempt:
    """One attempt of a step run, as the Client shows it."""

    number: int
    started: datetime
    ended: datetime | None
    error: str | None


class StepRun:
    """One step of a run: status, outputs, parameters, attempts and captured logs."""

    def __init__(self, record: StepRunRecord, store: LocalStore) -> None:
        self._store = store
        self.id: UUID = record.id
        self.run_id: UUID = record.run_id
        self.name: str = record.invocation_id
        self.step_name: str = record.step_name
        self.status: ExecutionStatus = record.status
        self.cache_key: str | None = record.cache_key
        #: For a cached step: the id of the step run whose outputs it reused.
        self.original_step_run_id: UUID | None = record.original_step_run_id
        self.start_time: datetime | None = record.started
        self.end_time: datetime | None = record.ended
        self.config = StepRunConfiguration(parameters=dict(record.parameters))
        self.error: str | None = record.error
        self.logs: dict[str, str] = {"stdout": record.stdout or "", "stderr": record.stderr or ""}
        self.attempts = [Attempt(a.number, a.started, a.ended, a.error) for a in record.attempts]
        #: Where the step ran: the orchestrator (``local`` or ``dask``), and on Dask the
        #: address of the worker (None for a step that ran on the driver's machine).
        self.orchestrator: str | None = record.orchestrator
        self.worker: str | None = record.worker
        self.outputs: dict[str, list[ArtifactVersion]] = {
            name: [ArtifactVersion(r, store) for r in records]
            for name, records in record.outputs.items()
        }
        self.inputs: dict[str, list[ArtifactVersion]] = {
            name: [ArtifactVersion(r, store) for r in records]
            for name, records in record.inputs.items()
        }

    @property
    def output(self) -> ArtifactVersion:
        """The single output of a one-output step."""
        versions = [v for vs in self.outputs.values() for v in vs]
        if len(versions) != 1:
            raise ValueError(f"step `{self.name}` has {len(versions)} outputs; use .outputs[name]")
        return versions[0]

    @property
    def run_name(self) -> str:
        """The name of the run this step belongs to."""
        return self._store.metadata.get_run(self.run_id).name

    def sibling(self, step_run_id: UUID) -> StepRun | None:
        """Another step run of the same store (None when it no longer exists)."""
        from flowplan.store.queries import step_runs

        found = self._store.metadata.db.read(lambda c: step_runs(c, "id", str(step_run_id)))
        return StepRun(found[0], self._store) if found else None

    @property
    def duration(self) -> float | None:
        if self.start_time is None or self.end_time is None:
            return None
        return (self.end_time - self.start_time).total_seconds()

    @property
    def run_metadata(self) -> dict[str, Any]:
        """Metadata logged by the step (``log_metadata``)."""
        return self._store.metadata.get_metadata("step_run", self.id)

    def __repr__(self) -> str:
        return f"<StepRun {self.name} {self.status.value}>"


class PipelineRun:
    """A run of a pipeline: ``steps`` maps invocation ids to step runs in start order."""

    def __init__(self, record: RunRecord, store: LocalStore) -> None:
        self._store = store
        self._load(record)

    def _load(self, record: RunRecord) -> None:
        self.id: UUID = record.id
        self.name: str = record.name
        self.pipeline_name: str = record.pipeline
        self.status: ExecutionStatus = record.status
        self.parameters: dict[str, Any] = dict(record.parameters)
        self.config: dict[str, Any] = dict(record.config)
        self.start_time: datetime | None = record.started or record.created
        self.end_time: datetime | None = record.ended
        self.unlisted: bool = record.unlisted
        self.warnings: list[Any] = list(record.warnings)
        self._steps: dict[str, StepRun] | None = None

    @property
    def steps(self) -> dict[str, StepRun]:
        if self._steps is None:
            records = self._store.metadata.get_step_runs(self.id)
            self._steps = {r.invocation_id: StepRun(r, self._store) for r in records}
        return self._steps

    @property
    def run_metadata(self) -> dict[str, Any]:
        return self._store.metadata.get_metadata("run", self.id)

    @property
    def tags(self) -> list[str]:
        return self._store.metadata.get_tags("run", self.id)

    def refresh(self) -> PipelineRun:
        self._load(self._store.metadata.get_run(self.id))
        return self

    def wait(self, timeout: float | None = None, poll: float = 0.1) -> PipelineRun:
        """Refresh until the run is finished (or ``timeout`` seconds passed)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while not self.refresh().status.is_finished:
            if deadline is not None and time.monotonic() > deadline:
                raise TimeoutError(f"run {self.name} is still {self.status.value}")
            time.sleep(poll)
        return self

    def __repr__(self) -> str:
        return f"<PipelineRun {self.name} {self.status.value}>"


class Pipeline:
    """A pipeline the store has runs of: ``runs`` (newest first) and ``last_run``."""

    def __init__(self, name: str, store: LocalStore) -> None:
        self.name = name
        self._store = store

    @property
    def runs(self) -> list[PipelineRun]:
        records = self._store.metadata.list_runs(pipeline=self.name, include_unlisted=False)
        return [PipelineRun(r, self._store) for r in records]

    @property
    def last_run(self) -> PipelineRun:
        return self._last(None, "has no runs")

    @property
    def last_successful_run(self) -> PipelineRun:
        return self._last(ExecutionStatus.COMPLETED, "has no completed run")

    def _last(self, status: ExecutionStatus | None, missing: str) -> PipelineRun:
        records = self._store.metadata.list_runs(
            pipeline=self.name, status=status, limit=1, include_unlisted=False
        )
        if not records:
            raise pipeline_not_found(self.name, [], missing)
        return PipelineRun(records[0], self._store)

    def __repr__(self) -> str:
        return f"<Pipeline {self.name}>"


def pipeline_not_found(
    name: str, known: list[str], what: str = "has no runs in this store"
) -> StoreError:
    return StoreError(runtime.unknown_pipeline(name, known, what))


@dataclass(frozen=True)
class Snapshot:
    """A stored compiled pipeline that runs can be triggered from."""

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
