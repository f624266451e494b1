"""The metadata store: runs, step runs, artifacts, the cache index and snapshots in SQLite.

Every write is one short transaction (see :mod:`flowplan.store.connection` for WAL, locking and
retries).  Rows that reference an artifact are written only after its file is complete, so a
crash never leaves a row pointing at a missing file; :meth:`MetadataStore.lookup_cache`
still checks the files, because people delete things.
"""

from __future__ import annotations

import os
import sqlite3
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple
from uuid import UUID

from flowplan.diagnostics import StoreError
from flowplan.digests import sha256_hex
from flowplan.enums import ExecutionStatus
from flowplan.messages import store as store_messages
from flowplan.store import queries
from flowplan.store.catalog import Catalog, dumps, this_host
from flowplan.store.connection import Database
from flowplan.store.labels import Labels
from flowplan.store.records import ArtifactRecord, StepRunRecord
from flowplan.store.schema import MIGRATIONS, Migration

IdLike = queries.IdLike
OutputIds = queries.Links


# An output artifact whose file is written, to be recorded with its step's end.
# (The functional form: class-form fields are text here, which NamedTuple compiles one by one.)
NewArtifact = NamedTuple("NewArtifact", [  # noqa: UP014
    ("name", str),
    ("uri", str),
    ("content_hash", str),
    ("data_type", str),
    ("materializer", str),
    ("output_name", str),
])


def _close_step(
    conn: sqlite3.Connection,
    step_run_id: IdLike,
    status: ExecutionStatus,
    cache_key: str | None,
    stdout: str | None,
    stderr: str | None,
    error: str | None,
) -> bool:
    """End a step that is still running; False when it had already finished."""
    changed: int = conn.execute(
        "UPDATE step_runs SET status = ?, ended = ?, stdout = ?, stderr = ?, error = ?,"
        " cache_key = COALESCE(?, cache_key)"
        " WHERE id = ? AND status IN ('running', 'initializing')",
        (status.value, time.time(), stdout, stderr, error, cache_key, _id(step_run_id)),
    ).rowcount
    return changed > 0


def _link_outputs(
    conn: sqlite3.Connection,
    step_run_id: IdLike,
    status: ExecutionStatus,
    outputs: OutputIds,
    cache_key: str | None,
) -> None:
    """Link a step's outputs; a completed step with a cache key joins the cache (decision 13)."""
    queries.link(conn, "step_outputs", step_run_id, outputs)
    if cache_key is not None and status is ExecutionStatus.COMPLETED:
        conn.execute(
            "INSERT OR REPLACE INTO cache_entries (cache_key, step_run_id, created)"
            " VALUES (?, ?, ?)",
            (cache_key, _id(step_run_id), time.time()),
        )


class MetadataStore(Catalog, Labels):
    """Typed reads and writes over ``flowplan.db``; safe for many threads and processes."""

    def __init__(
        self,
        path: Path,
        *,
        busy_timeout: float = 30.0,
        artifact_exists: Callable[[ArtifactRecord], bool] | None = None,
        migrations: Sequence[Migration] = MIGRATIONS,
        read_only: bool = False,
    ) -> None:
        super().__init__(
            Database(path, busy_timeout=busy_timeout, migrations=migrations, read_only=read_only)
        )
        self._artifact_exists = artifact_exists or (lambda record: Path(record.uri).is_file())

    @property
    def path(self) -> Path:
        return self.db.path

    def close(self) -> None:
        self.db.close()

    # -- runs ---------------------------------------------------------------------------
    def create_run(
        self,
        name: str,
        pipeline: str,
        parameters: Mapping[str, Any],
        plan_json: str | None,
        config: Mapping[str, Any],
        unlisted: bool = False,
        *,
        plan_hash: str | None = None,
        snapshot_id: IdLike | None = None,
    ) -> UUID:
        """Record a new run (status ``initializing``) -- of a snapshot, when it was triggered
        from one; a taken name raises ``FP501``.

        Its plan is stored once per distinct plan, by ``plan_hash`` (the SHA-256 of
        ``plan_json``, computed when not given): a rerun of an unchanged pipeline writes
        none."""
        run_id = uuid.uuid4()
        now = time.time()
        if plan_json is not None and plan_hash is None:
            plan_hash = sha256_hex(plan_json.encode())
        row = (
            str(run_id),
            name,
            pipeline,
            ExecutionStatus.INITIALIZING.value,
            dumps(parameters),
            plan_hash,
            dumps(config),
            now,
            int(unlisted),
            os.getpid(),
            this_host(),
            None if snapshot_id is None else str(snapshot_id),
        )

        def insert(conn: sqlite3.Connection) -> bool:
            if plan_hash is not None and plan_json is not None:
                known = conn.execute("SELECT 1 FROM plans WHERE hash = ?", (plan_hash,))
                if known.fetchone() is None:
                    conn.execute(
                        "INSERT INTO plans (hash, plan) VALUES (?, ?)", (plan_hash, plan_json)
                    )
            try:
                conn.execute(
                    "INSERT INTO runs (id, name, pipeline, status, parameters, plan_hash, config,"
                    " created, unlisted, pid, host, snapshot_id)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    row,
                )
            except sqlite3.IntegrityError as exc:
                if "runs.name" in str(exc):  # the UNIQUE constraint settles any race
                    return False
                raise
            conn.execute(
                "INSERT OR IGNORE INTO pipelines (id, name, created) VALUES (?, ?, ?)",
                (str(uuid.uuid4()), pipeline, now),
            )
            return True

        if not self.db.write(insert):
            raise StoreError(store_messages.duplicate_run_name(name))
        return run_id

    def set_run_status(
        self, run_id: IdLike, status: ExecutionStatus, pid: int | None = None
    ) -> None:
        """Move a run to ``status``; ``running`` also stamps its start, and ``pid`` (with this
        host) names the process running it from now on."""

        def update(conn: sqlite3.Connection) -> None:
            conn.execute(
                "UPDATE runs SET status = ?, pid = COALESCE(?, pid),"
                " host = CASE WHEN ? IS NULL THEN host ELSE ? END,"
                " started = CASE WHEN ? = 'running' THEN COALESCE(started, ?) ELSE started END"
                " WHERE id = ?",
                (status.value, pid, pid, this_host(), status.value, time.time(), _id(run_id)),
            )

        self.db.write(update)

    def set_run_plan(
        self, run_id: IdLike, plan_json: str, parameters: Mapping[str, Any]
    ) -> None:
        """Record the plan a run executes, when it is compiled after the run was created (a
        snapshot's run compiles the snapshot with its run configuration)."""
        plan_hash = sha256_hex(plan_json.encode())

        def update(conn: sqlite3.Connection) -> None:
            conn.execute(
                "INSERT OR IGNORE INTO plans (hash, plan) VALUES (?, ?)", (plan_hash, plan_json)
            )
            conn.execute(
                "UPDATE runs SET plan_hash = ?, plan = NULL, parameters = ? WHERE id = ?",
                (plan_hash, dumps(parameters), _id(run_id)),
            )

        self.db.write(update)

    def finish_run(
        self, run_id: IdLike, status: ExecutionStatus, warnings: Sequence[Any] = ()
    ) -> None:
        """Record a run's end; steps still ``running`` in it become ``stopped``."""
        text = dumps(list(warnings))
        self.db.write(lambda conn: queries.end_run(conn, _id(run_id), status.value, text))

    # -- step runs ------------------------------------------------------------------------
    def start_step(
        self,
        run_id: IdLike,
        invocation_id: str,
        step_name: str,
        parameters: Mapping[str, Any],
        config: Mapping[str, Any],
        cache_key: str | None = None,
        *,
        inputs: OutputIds | None = None,
        status: ExecutionStatus = ExecutionStatus.RUNNING,
    ) -> UUID:
        """Record a step run (position = start order in its run) and its input artifacts."""
        step_run_id = uuid.uuid4()
        started = time.time() if status is ExecutionStatus.RUNNING else None
        row = (
            str(step_run_id),
            _id(run_id),
            invocation_id,
            step_name,
            status.value,
            cache_key,
            started,
            dumps(parameters),
            dumps(config),
            _id(run_id),
        )

        def insert(conn: sqlite3.Connection) -> None:
            conn.execute(
                "INSERT INTO step_runs (id, run_id, invocation_id, step_name, status, cache_key,"
                " started, parameters, config, position) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?,"
                " (SELECT COALESCE(MAX(position), -1) + 1 FROM step_runs WHERE run_id = ?))",
                row,
            )
            queries.link(conn, "step_inputs", step_run_id, inputs or {})

        self.db.write(insert)
        return step_run_id

    def record_attempt(
        self,
        step_run_id: IdLike,
        number: int,
        started: float,
        ended: float | None = None,
        error: str | None = None,
    ) -> None:
        """Record (or update) attempt ``number`` (1-based) of a step run; times in epoch seconds."""
        self.db.write(
            lambda c: queries.insert_attempt(c, _id(step_run_id), number, started, ended, error)
        )

    def finish_step(
        self,
        step_run_id: IdLike,
        status: ExecutionStatus,
        outputs: OutputIds | None = None,
        *,
        cache_key: str | None = None,
        stdout: str | None = None,
        stderr: str | None = None,
        error: str | None = None,
    ) -> bool:
        """Record a step's end, its outputs and (when ``completed`` with a ``cache_key``) its
        cache entry, in one transaction (DESIGN decision 13).

        Returns False, changing nothing, when the step had already finished (a late result of
        a step the run marked ``stopped`` is discarded).
        """

        def update(conn: sqlite3.Connection) -> bool:
            if not _close_step(conn, step_run_id, status, cache_key, stdout, stderr, error):
                return False
            _link_outputs(conn, step_run_id, status, outputs or {}, cache_key)
            return True

        return self.db.write(update)

    def complete_step(
        self,
        step_run_id: IdLike,
        status: ExecutionStatus,
        *,
        attempts: Sequence[tuple[int, float, float | None, str | None]] = (),
        artifacts: Sequence[NewArtifact] = (),
        cache_key: str | None = None,
        stdout: str | None = None,
        stderr: str | None = None,
        error: str | None = None,
    ) -> dict[str, ArtifactRecord] | None:
        """``finish_step`` with the step's attempts and new output artifacts, all in one
        transaction: the cheap path for a step whose worker just returned.

        Returns the artifact records by output name, or None (nothing written) when the step
        had already finished."""

        def write(conn: sqlite3.Connection) -> dict[str, ArtifactRecord] | None:
            if not _close_step(conn, step_run_id, status, cache_key, stdout, stderr, error):
                return None
            owner = _id(step_run_id)
            for number, started, ended, attempt_error in attempts:
                queries.insert_attempt(conn, owner, number, started, ended, attempt_error)
            records = {
                a.output_name: queries.insert_artifact(
                    conn,
                    a.name,
                    a.uri,
                    a.content_hash,
                    a.data_type,
                    a.materializer,
                    owner,
                    a.output_name,
                )
                for a in artifacts
            }
            outputs = {name: [record.id] for name, record in records.items()}
            _link_outputs(conn, step_run_id, status, outputs, cache_key)
            return records

        return self.db.write(write)

    def get_step_runs(self, run_id: IdLike) -> list[StepRunRecord]:
        """A run's step runs in the order they started, with outputs, inputs and attempts."""
        return self.db.read(lambda c: queries.step_runs(c, "run_id", _id(run_id)))

    # -- cache ----------------------------------------------------------------------------
    def run_index(
        self, code_hashes: Mapping[str, int], artifact_names: Sequence[str]
    ) -> queries.RunIndex:
        """In one read: the cache entries that steps with these code hashes could hit -- of
        each code hash, all its entries when it has no more than its limit (``code hash ->
        limit``); none when it has more (it is ``crowded``: its steps ask for their own key),
        so that a run's start does not grow with a step's history --, and the latest version
        of each artifact name a run writes."""

        def read(conn: sqlite3.Connection) -> queries.RunIndex:
            crowded = queries.crowded_codes(conn, code_hashes)
            wanted = [code for code in code_hashes if code not in crowded]
            entries = queries.cache_index(conn, wanted) if wanted else {}
            legacy = bool(code_hashes) and conn.execute(
                "SELECT 1 FROM cache_entries WHERE code_hash IS NULL LIMIT 1"
            ).fetchone() is not None
            versions = queries.latest_versions(conn, artifact_names)
            return queries.RunIndex(entries, legacy, versions, frozenset(crowded))

        return self.db.read(read)

    def drop_cache_entry(self, cache_key: str, step_run_id: IdLike | None = None) -> None:
        """Forget the cache entry of ``cache_key`` (of that step run only, when given): its
        artifacts are gone or damaged."""
        owner = None if step_run_id is None else _id(step_run_id)
        self.db.write(
            lambda c: c.execute(
                "DELETE FROM cache_entries WHERE cache_key = ? AND (? IS NULL OR step_run_id = ?)",
                (cache_key, owner, owner),
            )
        )

    def lookup_cache(
        self, cache_key: str, *, pending: bool = True
    ) -> dict[str, list[ArtifactRecord]] | None:
        """The outputs of the step run cached under ``cache_key``, or ``None`` on a miss;
        ``pending=False``: without committing this process's pending records first (a run
        asking for a step's key: it reads entries as they were when it started).

        An entry whose artifact files are gone is deleted and reported as a miss.
        """
        read = self.db.read if pending else self.db.read_committed
        found = read(lambda c: queries.cached_outputs(c, cache_key))
        if found is None:
            return None
        step_run_id, outputs = found
        if all(self._artifact_exists(a) for records in outputs.values() for a in records):
            return outputs
        self.drop_cache_entry(cache_key, step_run_id)
        return None


def _id(value: IdLike) -> str:
    return str(value)
