"""Multi-table reads and link writes used by the metadata store, as functions of a connection.

Each runs inside a transaction the caller opened (:meth:`Database.read` / :meth:`write`).
"""

from __future__ import annotations

import sqlite3
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from typing import NamedTuple
from uuid import UUID

from flowplan.store.records import (
    ArtifactRecord,
    AttemptRecord,
    StepRunRecord,
    required_datetime,
    to_datetime,
)

IdLike = UUID | str
Links = Mapping[str, Sequence[IdLike]]
#: Runs with their plan's text (kept once per distinct plan, in ``plans``).
RUNS = (
    "SELECT runs.*, COALESCE(plans.plan, runs.plan) AS plan_text FROM runs"
    " LEFT JOIN plans ON plans.hash = runs.plan_hash"
)
_LINK_TABLES = {"step_outputs": "output_name", "step_inputs": "input_name"}


def link(conn: sqlite3.Connection, table: str, step_run_id: IdLike, links: Links) -> None:
    """Record a step run's output (or input) artifacts, keeping each name's list order."""
    conn.executemany(
        f"INSERT INTO {table} (step_run_id, {_LINK_TABLES[table]}, position, artifact_id)"
        " VALUES (?, ?, ?, ?)",
        [
            (str(step_run_id), name, position, str(artifact_id))
            for name, artifact_ids in links.items()
            for position, artifact_id in enumerate(artifact_ids)
        ],
    )


def step_runs(conn: sqlite3.Connection, column: str, value: str) -> list[StepRunRecord]:
    """Step runs whose ``column`` (``id`` or ``run_id``) is ``value``, in start order."""
    rows = conn.execute(
        f"SELECT * FROM step_runs WHERE {column} = ? ORDER BY position", (value,)
    ).fetchall()
    ids = [r["id"] for r in rows]
    grouped = {table: _grouped_links(conn, table, ids) for table in _LINK_TABLES}
    tries: dict[str, list[AttemptRecord]] = {i: [] for i in ids}
    for owner, attempt in attempts(conn, ids):
        tries[owner].append(attempt)
    return [
        StepRunRecord.from_row(
            r,
            grouped["step_outputs"][r["id"]],
            grouped["step_inputs"][r["id"]],
            tuple(tries[r["id"]]),
        )
        for r in rows
    ]


def _grouped_links(
    conn: sqlite3.Connection, table: str, ids: Sequence[str]
) -> dict[str, dict[str, tuple[ArtifactRecord, ...]]]:
    grouped: dict[str, dict[str, tuple[ArtifactRecord, ...]]] = {i: {} for i in ids}
    for (owner, name), record in linked(conn, table, ids):
        grouped[owner][name] = (*grouped[owner].get(name, ()), record)
    return grouped


def linked(
    conn: sqlite3.Connection, table: str, step_run_ids: Sequence[str]
) -> Iterator[tuple[tuple[str, str], ArtifactRecord]]:
    """``((step_run_id, name), artifact)`` for the links of some step runs, in order."""
    for chunk in _chunks(step_run_ids):
        marks = ", ".join("?" * len(chunk))
        rows = conn.execute(
            f"SELECT l.step_run_id AS owner, l.{_LINK_TABLES[table]} AS link_name, a.*"
            f" FROM {table} l JOIN artifacts a ON a.id = l.artifact_id"
            f" WHERE l.step_run_id IN ({marks}) ORDER BY l.step_run_id, link_name, l.position",
            list(chunk),
        )
        for row in rows:
            yield (row["owner"], row["link_name"]), ArtifactRecord.from_row(row)


def attempts(
    conn: sqlite3.Connection, step_run_ids: Sequence[str]
) -> Iterator[tuple[str, AttemptRecord]]:
    """``(step_run_id, attempt)`` for some step runs, by attempt number."""
    for chunk in _chunks(step_run_ids):
        marks = ", ".join("?" * len(chunk))
        rows = conn.execute(
            f"SELECT * FROM attempts WHERE step_run_id IN ({marks}) ORDER BY step_run_id, number",
            list(chunk),
        )
        for row in rows:
            attempt = AttemptRecord(
                row["number"],
                required_datetime(row["started"]),
                to_datetime(row["ended"]),
                row["error"],
            )
            yield row["step_run_id"], attempt


def cached_outputs(
    conn: sqlite3.Connection, cache_key: str
) -> tuple[str, dict[str, list[ArtifactRecord]]] | None:
    """``(step_run_id, outputs)`` of the cache entry for ``cache_key``, if there is one."""
    entry = conn.execute(
        "SELECT step_run_id FROM cache_entries WHERE cache_key = ?", (cache_key,)
    ).fetchone()
    if entry is None:
        return None
    step_run_id: str = entry[0]
    outputs: dict[str, list[ArtifactRecord]] = {}
    for (_, name), record in linked(conn, "step_outputs", [step_run_id]):
        outputs.setdefault(name, []).append(record)
    return step_run_id, outputs


# What a run reads once, before its first step (see ``MetadataStore.run_index``).
# (The functional form: class-form fields are text here, which NamedTuple compiles one by one.)
RunIndex = NamedTuple("RunIndex", [  # noqa: UP014
    ("entries", dict[str, tuple[str, list[sqlite3.Row]]]),  # cache key -> (step run, outputs)
    ("legacy", bool),  # entries written before they carried a code hash exist: ask for misses
    ("versions", dict[str, int]),  # artifact name -> latest version
    ("crowded", frozenset[str]),  # code hashes with more entries than read: ask for misses
])


def outputs_of(rows: Sequence[sqlite3.Row]) -> dict[str, list[ArtifactRecord]]:
    """The artifact records of a cache entry's output rows (:func:`cache_index`), by output
    name.  An artifact's row never changes once written, so its record is built once per
    process (:data:`_RECORDS`) and served again to every run that reuses it."""
    outputs: dict[str, list[ArtifactRecord]] = {}
    for row in rows:
        record = _RECORDS.get(row[3])
        if record is None:
            record = ArtifactRecord.from_columns(row[3:_POSITION])
            if len(_RECORDS) >= _RECORDS_KEPT:
                _RECORDS.clear()
            _RECORDS[row[3]] = record
        outputs.setdefault(row[2], []).append(record)
    return outputs


_RECORDS: dict[str, ArtifactRecord] = {}  # artifact id -> its record (frozen, shared)
_RECORDS_KEPT = 1 << 16


def crowded_codes(conn: sqlite3.Connection, limits: Mapping[str, int]) -> set[str]:
    """The code hashes with more cache entries than their limit (``code hash -> limit``),
    each counted no further than its limit (an index range of at most limit + 1 entries)."""
    crowded = set()
    for code_hash, limit in limits.items():
        count = conn.execute(
            "SELECT COUNT(*) FROM (SELECT 1 FROM cache_entries WHERE code_hash = ? LIMIT ?)",
            (code_hash, limit + 1),
        ).fetchone()[0]
        if count > limit:
            crowded.add(code_hash)
    return crowded


def cache_index(
    conn: sqlite3.Connection, code_hashes: Sequence[str]
) -> dict[str, tuple[str, list[sqlite3.Row]]]:
    """The cache entries of steps with these code hashes: ``cache_key -> (step_run_id,
    output rows)``, each row an artifact (its output's name third, then the artifact's
    columns in :meth:`ArtifactRecord.from_columns` order, then its position in the output),
    in output order.  The rows are put in that order here, entry by entry: an ``ORDER BY``
    of the whole result sorted every entry of the code (a fifth of the query)."""
    entries: dict[str, tuple[str, list[sqlite3.Row]]] = {}
    for chunk in _chunks(code_hashes):
        marks = ", ".join("?" * len(chunk))
        rows = conn.execute(
            "SELECT c.cache_key, c.step_run_id, o.output_name, a.id, a.name, a.version, a.uri,"
            " a.content_hash, a.data_type, a.materializer, a.step_run_id, a.output_name,"
            " a.created, o.position FROM cache_entries c"
            " LEFT JOIN step_outputs o ON o.step_run_id = c.step_run_id"
            " LEFT JOIN artifacts a ON a.id = o.artifact_id"
            f" WHERE c.code_hash IN ({marks})",
            list(chunk),
        )
        for row in rows:
            _, found = entries.setdefault(row[0], (row[1], []))
            if row[3] is not None:
                found.append(row)
    for _, found in entries.values():
        if len(found) > 1:
            found.sort(key=_output_order)
    return entries


def _output_order(row: sqlite3.Row) -> tuple[str, int]:
    return row[2], row[_POSITION]


_POSITION = 13  # an output row's position in its output (after the artifact's columns)


def latest_versions(conn: sqlite3.Connection, names: Sequence[str]) -> dict[str, int]:
    """The latest version of each artifact name that has one.

    One index lookup per name (SQLite's MAX optimisation on the ``(name, version)`` index),
    however many versions a name has: ``MAX(version) ... WHERE name IN (...) GROUP BY name``
    read every version of each name, so a run's start grew with the runs before it."""
    versions: dict[str, int] = {}
    for chunk in _chunks(names):
        marks = ", ".join(["(?)"] * len(chunk))
        rows = conn.execute(
            f"WITH wanted(name) AS (VALUES {marks}) SELECT name,"
            " (SELECT MAX(version) FROM artifacts a WHERE a.name = wanted.name) FROM wanted",
            list(chunk),
        )
        versions.update((str(name), int(version)) for name, version in rows if version is not None)
    return versions


def _chunks(items: Sequence[str], size: int = 500) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def insert_artifact(
    conn: sqlite3.Connection,
    name: str,
    uri: str,
    content_hash: str,
    data_type: str,
    materializer: str,
    step_run_id: str | None,
    output_name: str | None,
) -> ArtifactRecord:
    """Insert the next version of artifact ``name`` (its file is already written)."""
    artifact_id = str(uuid.uuid4())
    conn.execute(
        "INSERT INTO artifacts (id, name, version, uri, content_hash, data_type,"
        " materializer, step_run_id, output_name, created) VALUES (?, ?,"
        " (SELECT COALESCE(MAX(version), 0) + 1 FROM artifacts WHERE name = ?),"
        " ?, ?, ?, ?, ?, ?, ?)",
        (
            artifact_id,
            name,
            name,
            uri,
            content_hash,
            data_type,
            materializer,
            step_run_id,
            output_name,
            time.time(),
        ),
    )
    row = conn.execute("SELECT * FROM artifacts WHERE id = ?", (artifact_id,)).fetchone()
    return ArtifactRecord.from_row(row)


def insert_attempt(
    conn: sqlite3.Connection,
    step_run_id: str,
    number: int,
    started: float,
    ended: float | None,
    error: str | None,
) -> None:
    conn.execute(
        "INSERT OR REPLACE INTO attempts (step_run_id, number, started, ended, error)"
        " VALUES (?, ?, ?, ?, ?)",
        (step_run_id, number, started, ended, error),
    )


def end_run(conn: sqlite3.Connection, run_id: str, status: str, warnings_json: str) -> None:
    """Close a run (in the caller's transaction); its unfinished steps become ``stopped``."""
    now = time.time()
    conn.execute(
        "UPDATE runs SET status = ?, ended = ?, warnings = ? WHERE id = ?",
        (status, now, warnings_json, run_id),
    )
    conn.execute(
        "UPDATE step_runs SET status = 'stopped', ended = ?"
        " WHERE run_id = ? AND status IN ('running', 'initializing')",
        (now, run_id),
    )
