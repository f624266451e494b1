"""The metadata schema and its migrations.

``schema_version`` holds one row: the number of migrations applied.  Opening a database
applies the missing ones, in order, inside one ``BEGIN IMMEDIATE`` transaction (so two
processes opening a new store at once apply them exactly once); a database whose version is
newer than this flowplan knows is refused with ``FP508``.  A migration is a tuple of single
SQL statements -- never ``executescript``, which would commit halfway.  Append new
migrations; never edit a released one.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from flowplan.diagnostics import StoreError
from flowplan.messages import store as store_messages

Migration = tuple[str, ...]

_V1: Migration = (
    """CREATE TABLE pipelines (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        created REAL NOT NULL)""",
    """CREATE TABLE runs (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        pipeline TEXT NOT NULL,
        status TEXT NOT NULL,
        parameters TEXT NOT NULL,
        plan TEXT,
        config TEXT NOT NULL,
        created REAL NOT NULL,
        started REAL,
        ended REAL,
        unlisted INTEGER NOT NULL DEFAULT 0,
        warnings TEXT NOT NULL DEFAULT '[]',
        pid INTEGER)""",
    "CREATE INDEX runs_by_pipeline ON runs (pipeline, created)",
    "CREATE INDEX runs_by_created ON runs (created)",
    """CREATE TABLE step_runs (
        id TEXT PRIMARY KEY,
        run_id TEXT NOT NULL REFERENCES runs (id),
        invocation_id TEXT NOT NULL,
        step_name TEXT NOT NULL,
        status TEXT NOT NULL,
        cache_key TEXT,
        started REAL,
        ended REAL,
        parameters TEXT NOT NULL,
        config TEXT NOT NULL,
        stdout TEXT,
        stderr TEXT,
        error TEXT,
        position INTEGER NOT NULL,
        UNIQUE (run_id, invocation_id))""",
    """CREATE TABLE attempts (
        step_run_id TEXT NOT NULL REFERENCES step_runs (id),
        number INTEGER NOT NULL,
        started REAL NOT NULL,
        ended REAL,
        error TEXT,
        PRIMARY KEY (step_run_id, number))""",
    """CREATE TABLE artifacts (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        version INTEGER NOT NULL,
        uri TEXT NOT NULL,
        content_hash TEXT NOT NULL,
        data_type TEXT NOT NULL,
        materializer TEXT NOT NULL,
        step_run_id TEXT REFERENCES step_runs (id),
        output_name TEXT,
        created REAL NOT NULL,
        UNIQUE (name, version))""",
    "CREATE INDEX artifacts_by_step_run ON artifacts (step_run_id)",
    """CREATE TABLE step_outputs (
        step_run_id TEXT NOT NULL REFERENCES step_runs (id),
        output_name TEXT NOT NULL,
        position INTEGER NOT NULL,
        artifact_id TEXT NOT NULL REFERENCES artifacts (id),
        PRIMARY KEY (step_run_id, output_name, position))""",
    """CREATE TABLE step_inputs (
        step_run_id TEXT NOT NULL REFERENCES step_runs (id),
        input_name TEXT NOT NULL,
        position INTEGER NOT NULL,
        artifact_id TEXT NOT NULL REFERENCES artifacts (id),
        PRIMARY KEY (step_run_id, input_name, position))""",
    """CREATE TABLE cache_entries (
        cache_key TEXT PRIMARY KEY,
        step_run_id TEXT NOT NULL REFERENCES step_runs (id),
        created REAL NOT NULL)""",
    """CREATE TABLE snapshots (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        pipeline TEXT NOT NULL,
        plan TEXT NOT NULL,
        module TEXT,
        path TEXT,
        description TEXT,
        created REAL NOT NULL)""",
    "CREATE INDEX snapshots_by_pipeline ON snapshots (pipeline, created)",
    "CREATE INDEX snapshots_by_name ON snapshots (name, created)",
)

# Runs remember the host of the process running them, so that a run whose process died
# (kill -9, out of memory, power loss) can be told from one still going: see
# ``Catalog.reap_orphaned_runs``.
_V2: Migration = (
    "ALTER TABLE runs ADD COLUMN host TEXT",
    "CREATE INDEX runs_by_status ON runs (status)",
)

# Linear runs and a cheap cached path: a run's step rows are ordered by an index (no step
# insert reads its run's earlier rows); cache entries carry the step's code hash, so that a
# run reads every entry its steps could hit in one query; plans are stored once, by hash.
_V3: Migration = (
    "CREATE INDEX step_runs_by_position ON step_runs (run_id, position)",
    "ALTER TABLE cache_entries ADD COLUMN code_hash TEXT",
    "CREATE INDEX cache_entries_by_code ON cache_entries (code_hash)",
    "CREATE TABLE plans (hash TEXT PRIMARY KEY, plan TEXT NOT NULL)",
    "ALTER TABLE runs ADD COLUMN plan_hash TEXT",
)

# Runs remember the snapshot they were triggered from.  The dashboard pages listed runs,
# newest first, filtered by pipeline and/or status: each filter has an index that also holds
# ``unlisted`` and ``created``, so counting and paging never read the rows themselves (whose
# plan JSON can be large).
_V4: Migration = (
    "ALTER TABLE runs ADD COLUMN snapshot_id TEXT",
    "CREATE INDEX runs_by_snapshot ON runs (snapshot_id, created)",
    "CREATE INDEX runs_listed ON runs (unlisted, created)",
    "CREATE INDEX runs_by_status_listed ON runs (status, unlisted, created)",
    "CREATE INDEX runs_by_pipeline_listed ON runs (pipeline, unlisted, created)",
    "CREATE INDEX runs_by_pipeline_status ON runs (pipeline, status, unlisted, created)",
)

# Steps remember where they ran: the orchestrator (`local` or `dask`) and, on Dask, the
# address of the worker that ran them.
_V5: Migration = (
    "ALTER TABLE step_runs ADD COLUMN orchestrator TEXT",
    "ALTER TABLE step_runs ADD COLUMN worker TEXT",
)

# A cached step run names the step run whose outputs it reused (``original_step_run_id``),
# filled in from the cache entry in the transaction that records the hit.
_V6: Migration = ("ALTER TABLE step_runs ADD COLUMN original_step_run_id TEXT",)

# Metadata (``log_metadata``, ``ArtifactConfig(run_metadata=...)``) and tags of runs, step runs
# and artifact versions: ``kind`` is ``run``, ``step_run`` or ``artifact``, ``owner`` its id.
_V7: Migration = (
    """CREATE TABLE run_metadata (
        kind TEXT NOT NULL,
        owner TEXT NOT NULL,
        key TEXT NOT NULL,
        value TEXT NOT NULL,
        created REAL NOT NULL,
        PRIMARY KEY (kind, owner, key))""",
    """CREATE TABLE tags (
        kind TEXT NOT NULL,
        owner TEXT NOT NULL,
        tag TEXT NOT NULL,
        PRIMARY KEY (kind, owner, tag))""",
    "CREATE INDEX tags_by_tag ON tags (tag)",
)

#: Every migration, oldest first; the schema version is the number applied.
MIGRATIONS: tuple[Migration, ...] = (_V1, _V2, _V3, _V4, _V5, _V6, _V7)


def current_version(conn: sqlite3.Connection) -> int:
    conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
    row = conn.execute("SELECT MAX(version) FROM schema_version").fetchone()
    return int(row[0]) if row and row[0] is not None else 0


def migrate(
    conn: sqlite3.Connection, path: str, migrations: Sequence[Migration] = MIGRATIONS
) -> int:
    """Bring the schema up to date inside the caller's write transaction; return its version."""
    version = current_version(conn)
    if version > len(migrations):
        raise StoreError(store_messages.schema_too_new(version, len(migrations), path))
    for number in range(version, len(migrations)):
        for statement in migrations[number]:
            conn.execute(statement)
    if version < len(migrations):
        conn.execute("DELETE FROM schema_version")
        conn.execute("INSERT INTO schema_version (version) VALUES (?)", (len(migrations),))
    return len(migrations)
