"""Reads for browsing a store page by page (the dashboard of ``flow ui``).

Each function reads inside one transaction of a :class:`Database` and stays cheap on a large
store: runs are paged with the ``runs_by_*`` indexes (schema v3), a run's DAG needs only one
row per step (no artifacts, no logs), and counts are grouped in SQL.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

from flowplan.enums import ExecutionStatus
from flowplan.store.connection import Database
from flowplan.store.records import RunRecord

# Every column a RunRecord reads, but not the plan (a large JSON text no list shows).
_LIST_COLUMNS = (
    "id, name, pipeline, status, parameters, NULL AS plan_text, config, created, started, ended,"
    " unlisted, warnings, pid, snapshot_id"
)


@dataclass(frozen=True)
class RunPage:
    """One page of runs, newest first, and how many runs match in all."""

    runs: list[RunRecord]
    total: int
    step_counts: dict[UUID, dict[str, int]]  # run id -> status -> number of steps


@dataclass(frozen=True)
class PipelineSummary:
    name: str
    run_count: int
    latest: RunRecord | None


@dataclass(frozen=True)
class StepSummary:
    """What a DAG node shows of a step run: its status (no logs, artifacts or times)."""

    invocation_id: str
    step_name: str
    status: ExecutionStatus


@dataclass(frozen=True)
class CacheSource:
    """The step run whose outputs a cached step reused, and its run."""

    step_run_id: UUID
    invocation_id: str
    run_id: UUID
    run_name: str


def _filters(
    pipeline: str | None, status: ExecutionStatus | None, snapshot_id: UUID | None
) -> tuple[str, list[str]]:
    clauses, params = ["unlisted = 0"], []
    for column, value in (("pipeline", pipeline), ("snapshot_id", snapshot_id)):
        if value is not None:
            clauses.append(f"{column} = ?")
            params.append(str(value))
    if status is not None:
        clauses.append("status = ?")
        params.append(status.value)
    return " AND ".join(clauses), params


def run_page(
    db: Database,
    *,
    pipeline: str | None = None,
    status: ExecutionStatus | None = None,
    snapshot_id: UUID | None = None,
    limit: int = 50,
    offset: int = 0,
) -> RunPage:
    """Listed runs matching the filters, newest first: ``limit`` of them from ``offset``."""
    where, params = _filters(pipeline, status, snapshot_id)

    def read(conn: sqlite3.Connection) -> RunPage:
        total = conn.execute(f"SELECT COUNT(*) FROM runs WHERE {where}", params).fetchone()[0]
        # the page's rowids come from the index alone; only those rows are read
        rows = conn.execute(
            f"SELECT {_LIST_COLUMNS} FROM runs WHERE rowid IN (SELECT rowid FROM runs"
            f" WHERE {where} ORDER BY created DESC, rowid DESC LIMIT ? OFFSET ?)"
            " ORDER BY created DESC, rowid DESC",
            [*params, int(limit), int(offset)],
        ).fetchall()
        runs = [RunRecord.from_row(r) for r in rows]
        return RunPage(runs, int(total), _step_counts(conn, [str(r.id) for r in runs]))

    return db.read(read)


def _step_counts(conn: sqlite3.Connection, run_ids: Sequence[str]) -> dict[UUID, dict[str, int]]:
    counts: dict[UUID, dict[str, int]] = {UUID(i): {} for i in run_ids}
    if not run_ids:
        return counts
    marks = ", ".join("?" * len(run_ids))
    rows = conn.execute(
        f"SELECT run_id, status, COUNT(*) FROM step_runs WHERE run_id IN ({marks})"
        " GROUP BY run_id, status",
        list(run_ids),
    )
    for run_id, status, count in rows:
        counts[UUID(run_id)][status] = int(count)
    return counts


def pipelines(db: Database) -> list[PipelineSummary]:
    """Every pipeline with listed runs: its number of runs and its latest run, by name."""

    def read(conn: sqlite3.Connection) -> list[PipelineSummary]:
        # one count per pipeline, each from the (pipeline, unlisted, created) index alone
        counts = conn.execute(
            "SELECT name, (SELECT COUNT(*) FROM runs WHERE pipeline = p.name AND unlisted = 0)"
            " FROM pipelines p ORDER BY name"
        ).fetchall()
        found = []
        for name, count in counts:
            if not count:
                continue
            row = conn.execute(
                f"SELECT {_LIST_COLUMNS} FROM runs WHERE pipeline = ? AND unlisted = 0"
                " ORDER BY created DESC, rowid DESC LIMIT 1",
                (name,),
            ).fetchone()
            found.append(PipelineSummary(name, int(count), RunRecord.from_row(row)))
        return found

    return db.read(read)


def step_summaries(db: Database, run_id: UUID) -> list[StepSummary]:
    """The step runs of a run, in start order, as one row each."""
    rows = db.read(
        lambda c: c.execute(
            "SELECT invocation_id, step_name, status FROM step_runs"
            " WHERE run_id = ? ORDER BY position",
            (str(run_id),),
        ).fetchall()
    )
    return [StepSummary(r[0], r[1], ExecutionStatus(r[2])) for r in rows]


def cache_sources(db: Database, step_run_id: UUID) -> list[CacheSource]:
    """The step runs that produced the outputs a (cached) step run reused, oldest first."""
    rows = db.read(
        lambda c: c.execute(
            "SELECT DISTINCT s.id, s.invocation_id, r.id AS run_id, r.name, r.created"
            " FROM step_outputs o JOIN artifacts a ON a.id = o.artifact_id"
            " JOIN step_runs s ON s.id = a.step_run_id JOIN runs r ON r.id = s.run_id"
            " WHERE o.step_run_id = ? AND s.id != ? ORDER BY r.created",
            (str(step_run_id), str(step_run_id)),
        ).fetchall()
    )
    return [CacheSource(UUID(r[0]), r[1], UUID(r[2]), r[3]) for r in rows]


def snapshot_run_counts(db: Database) -> dict[UUID, int]:
    """How many runs each snapshot was triggered for."""
    rows = db.read(
        lambda c: c.execute(
            "SELECT snapshot_id, COUNT(*) FROM runs WHERE snapshot_id IS NOT NULL"
            " GROUP BY snapshot_id"
        ).fetchall()
    )
    return {UUID(r[0]): int(r[1]) for r in rows}


def step_run_id(db: Database, run_id: UUID, invocation_id: str) -> UUID | None:
    """The id of step ``invocation_id`` of a run, if it has started."""
    row = db.read(
        lambda c: c.execute(
            "SELECT id FROM step_runs WHERE run_id = ? AND invocation_id = ?",
            (str(run_id), invocation_id),
        ).fetchone()
    )
    return None if row is None else UUID(row[0])
