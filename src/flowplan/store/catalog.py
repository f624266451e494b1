"""Run lookups, artifact versions and snapshots: the half of the metadata store that the
``Client`` mostly reads.  :class:`flowplan.store.db.MetadataStore` adds the run, step-run and
cache-index writes on top.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
import uuid
from typing import Any
from uuid import UUID

from flowplan.diagnostics import Diagnostic, StoreError
from flowplan.enums import ExecutionStatus
from flowplan.messages import runtime
from flowplan.messages import store as store_messages
from flowplan.store import queries
from flowplan.store.artifacts import ARTIFACTS_DIRNAME, ArtifactStore
from flowplan.store.connection import Database
from flowplan.store.journal import remove_journal, replay_run
from flowplan.store.records import ArtifactRecord, RunRecord, SnapshotRecord


def dumps(value: Any) -> str:
    """Canonical JSON text for a JSON column (pydantic-serialisable values are converted)."""
    return _dumps(value)


def _jsonable(value: Any) -> Any:
    if isinstance(value, Diagnostic):
        return value.to_json()
    from pydantic_core import PydanticSerializationError, to_jsonable_python

    try:
        return to_jsonable_python(value)
    except PydanticSerializationError:
        raise TypeError(f"a `{type(value).__name__}` cannot be stored as JSON") from None


# One encoder for every call (``json.dumps`` with options builds one per call).
_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=_jsonable).encode


def this_host() -> str | None:
    """The name of this machine, recorded with the pid of a run's process (POSIX only)."""
    return os.uname().nodename if hasattr(os, "uname") else None


def process_alive(pid: int) -> bool:
    """Whether process ``pid`` exists on this machine (signal 0 probes without signalling)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # it exists but belongs to someone else, or cannot be probed
        return True
    try:  # a zombie (dead, not yet reaped by its parent) answers the probe too
        with open(f"/proc/{pid}/stat", "rb") as stat:
            return stat.read().rsplit(b")", 1)[-1].split()[0] != b"Z"
    except (OSError, IndexError):
        return True


class Catalog:
    """Runs (read), artifact versions and snapshots over one :class:`Database`."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # -- runs ---------------------------------------------------------------------------
    def reap_orphaned_runs(self) -> list[UUID]:
        """Close the runs still ``running`` on this machine whose process is gone.

        A run's process can die without closing it (``kill -9``, out of memory, a power
        cut); its status would then read ``running`` forever and ``run.wait()`` would never
        return.  Its journal is replayed first (records its process wrote but had not yet
        committed: :mod:`flowplan.store.journal`); then it becomes ``failed`` with an
        ``FP517`` warning naming the process, and its unfinished steps become ``stopped``
        (what was completed stays completed and cached).  Runs of other machines, and stores
        written before runs recorded their host, are left alone.  Returns the ids of the runs
        closed.
        """
        host = this_host()
        if host is None or self.db.read_only:
            return []
        candidates = self.db.read(
            lambda c: c.execute(
                "SELECT id, pid FROM runs WHERE status = 'running' AND host = ? "
                "AND pid IS NOT NULL",
                (host,),
            ).fetchall()
        )
        dead = [(row[0], int(row[1])) for row in candidates if not process_alive(int(row[1]))]
        if not dead:
            return []
        now = time.time()

        def close(conn: sqlite3.Connection) -> list[UUID]:
            closed = []
            for run_id, pid in dead:
                row = conn.execute(
                    "SELECT warnings FROM runs WHERE id = ? AND status = 'running' AND pid = ?",
                    (run_id, pid),
                ).fetchone()
                if row is None:  # finished (or taken over) since it was read
                    continue
                replay_run(conn, self.db.path.parent, run_id)
                warning = store_messages.orphaned_run(pid, host)
                warnings = [*json.loads(row[0] or "[]"), warning.to_json()]
                conn.execute(
                    "UPDATE runs SET status = 'failed', ended = ?, warnings = ? WHERE id = ?",
                    (now, dumps(warnings), run_id),
                )
                conn.execute(
                    "UPDATE step_runs SET status = 'stopped', ended = ?"
                    " WHERE run_id = ? AND status IN ('running', 'initializing')",
                    (now, run_id),
                )
                closed.append(UUID(run_id))
            return closed

        result: list[UUID] = self.db.write(close)
        for run_id in result:
            remove_journal(self.db.path.parent, str(run_id))
        if result:  # a killed run's writers may have left half-written artifact files
            ArtifactStore(self.db.path.parent / ARTIFACTS_DIRNAME).remove_stale_temp_files(
                alive=process_alive
            )
        return result

    def get_run(self, name_or_id: UUID | str) -> RunRecord:
        """A run by UUID, UUID string, name, unique id prefix, ``latest`` or ``latest~N``
        (:mod:`flowplan.store.runref`; ``FP509`` when none matches); runs whose process died
        are closed first (:meth:`reap_orphaned_runs`)."""
        self.reap_orphaned_runs()
        from flowplan.store.runref import find_run

        key = _normalise_id(name_or_id)
        row = self.db.read(lambda c: find_run(c, str(name_or_id), key))
        if row is None:
            raise StoreError(store_messages.unknown_run(str(name_or_id), self._run_names()))
        return RunRecord.from_row(row)

    def _run_names(self) -> list[str]:
        return self.db.read(
            lambda c: [
                r[0] for r in c.execute("SELECT name FROM runs ORDER BY created DESC LIMIT 500")
            ]
        )

    def list_runs(
        self,
        pipeline: str | None = None,
        status: ExecutionStatus | None = None,
        limit: int | None = None,
        *,
        include_unlisted: bool = True,
    ) -> list[RunRecord]:
        """Runs, newest first (runs whose process died closed first)."""
        self.reap_orphaned_runs()
        clauses, params = ["1 = 1"], []
        if pipeline is not None:
            clauses.append("pipeline = ?")
            params.append(pipeline)
        if status is not None:
            clauses.append("status = ?")
            params.append(status.value)
        if not include_unlisted:
            clauses.append("unlisted = 0")
        where = " AND ".join(clauses)
        sql = f"{queries.RUNS} WHERE {where} ORDER BY created DESC, runs.rowid DESC"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        rows = self.db.read(lambda c: c.execute(sql, params).fetchall())
        return [RunRecord.from_row(r) for r in rows]

    def list_pipelines(self) -> list[str]:
        """Names of pipelines that have runs, oldest first."""
        return self.db.read(
            lambda c: [r[0] for r in c.execute("SELECT name FROM pipelines ORDER BY created")]
        )

    # -- artifacts -----------------------------------------------------------------------
    def record_artifact(
        self,
        name: str,
        uri: str,
        content_hash: str,
        data_type: str,
        materializer: str,
        step_run_id: UUID | str | None = None,
        output_name: str | None = None,
    ) -> ArtifactRecord:
        """Record a new version of artifact ``name`` (1, 2, …) whose file is already written."""
        producer = None if step_run_id is None else str(step_run_id)
        record: ArtifactRecord = self.db.write(
            lambda conn: queries.insert_artifact(
                conn, name, uri, content_hash, data_type, materializer, producer, output_name
            )
        )
        return record

    def get_artifact(self, artifact_id: UUID | str) -> ArtifactRecord:
        row = self.db.read(
            lambda c: c.execute(
                "SELECT * FROM artifacts WHERE id = ?", (str(artifact_id),)
            ).fetchone()
        )
        if row is None:
            raise StoreError(store_messages.unknown_artifact_id(artifact_id))
        return ArtifactRecord.from_row(row)

    def get_artifact_by_name(self, name: str, version: int | None = None) -> ArtifactRecord:
        """Version ``version`` of artifact ``name``, the latest when ``None`` (``FP510``)."""
        if version is None:
            sql = "SELECT * FROM artifacts WHERE name = ? ORDER BY version DESC LIMIT 1"
            params: tuple[object, ...] = (name,)
        else:
            sql, params = "SELECT * FROM artifacts WHERE name = ? AND version = ?", (name, version)
        row = self.db.read(lambda c: c.execute(sql, params).fetchone())
        if row is not None:
            return ArtifactRecord.from_row(row)
        names = self.db.read(
            lambda c: [r[0] for r in c.execute("SELECT DISTINCT name FROM artifacts")]
        )
        raise StoreError(store_messages.unknown_artifact_name(name, version, names))

    def list_artifact_versions(self, name: str | None = None) -> list[ArtifactRecord]:
        """Artifact versions (of one name, or all), newest first."""
        where, params = ("WHERE name = ?", (name,)) if name is not None else ("", ())
        rows = self.db.read(
            lambda c: c.execute(
                f"SELECT * FROM artifacts {where} ORDER BY created DESC, rowid DESC", params
            ).fetchall()
        )
        return [ArtifactRecord.from_row(r) for r in rows]

    # -- snapshots -----------------------------------------------------------------------
    def create_snapshot(
        self,
        name: str,
        pipeline: str,
        plan_json: str,
        module: str | None = None,
        path: str | None = None,
        description: str | None = None,
    ) -> SnapshotRecord:
        """Store a compiled plan and where its code lives.  Reusing a name makes a newer
        snapshot that the name resolves to from then on."""
        snapshot_id = str(uuid.uuid4())
        row = (snapshot_id, name, pipeline, plan_json, module, path, description, time.time())

        def insert(conn: sqlite3.Connection) -> sqlite3.Row:
            conn.execute(
                "INSERT INTO snapshots (id, name, pipeline, plan, module, path, description,"
                " created) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                row,
            )
            found: sqlite3.Row = conn.execute(
                "SELECT * FROM snapshots WHERE id = ?", (snapshot_id,)
            ).fetchone()
            return found

        return SnapshotRecord.from_row(self.db.write(insert))

    def get_snapshot(self, name_or_id: UUID | str) -> SnapshotRecord:
        """A snapshot by id, or the newest with this name (``FP516``)."""
        row = self.db.read(
            lambda c: c.execute(
                "SELECT * FROM snapshots WHERE id = ? OR name = ?"
                " ORDER BY id = ? DESC, created DESC, rowid DESC LIMIT 1",
                (str(name_or_id).lower(), str(name_or_id), str(name_or_id).lower()),
            ).fetchone()
        )
        if row is None:
            raise StoreError(
                runtime.unknown_snapshot(name_or_id)
            )
        return SnapshotRecord.from_row(row)

    def latest_snapshot(self, pipeline: str) -> SnapshotRecord:
        """The most recently created snapshot of ``pipeline`` (``FP516``)."""
        found = self.list_snapshots(pipeline, limit=1)
        if not found:
            raise StoreError(
                runtime.pipeline_without_snapshot(pipeline)
            )
        return found[0]

    def list_snapshots(
        self, pipeline: str | None = None, limit: int | None = None
    ) -> list[SnapshotRecord]:
        """Snapshots, newest first."""
        where, params = ("WHERE pipeline = ?", (pipeline,)) if pipeline is not None else ("", ())
        sql = f"SELECT * FROM snapshots {where} ORDER BY created DESC, rowid DESC"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        rows = self.db.read(lambda c: c.execute(sql, params).fetchall())
        return [SnapshotRecord.from_row(r) for r in rows]


def _normalise_id(value: UUID | str) -> str:
    try:
        return str(value if isinstance(value, UUID) else UUID(str(value)))
    except ValueError:
        return str(value)
