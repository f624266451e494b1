"""A run's journal: the step records of a run are appended here, one ``write`` for those made
since the last one, before a step runs and before the run writer
(:mod:`flowplan.store.run_writer`) commits them to the database in a group.

Each record is one frame: its length and CRC-32 (4 bytes each, little-endian), then the
record's ops marshalled (:mod:`marshal` format 4; an op's parameters are strings, numbers and
``None``).  Encoding a record costs a tenth of JSON's, which mattered on every step.  A frame
cut short by a kill, or damaged, ends the journal.  Journals written as JSON lines (one
record a line, by earlier versions) are replayed too.

A ``kill -9`` while a step runs, or while a group's commit waits, therefore loses nothing
that reached the journal: the next process that reads the store finds the run's process gone
(:meth:`~flowplan.store.catalog.Catalog.reap_orphaned_runs`) and replays the journal in the
transaction that closes the run.  Replaying is idempotent (rows are inserted or ignored by
id; a step's end updates it only while it is unfinished), so records already committed are
harmless.  A record that adds artifacts is replayed only if each of their local files is
present with its recorded content (a power cut can lose a file that was never synced); a
record whose artifacts are gone or damaged is skipped whole (a damaged file is deleted, so
that the rerun writes it again), and its step is closed as ``stopped`` with the run; of a
record that refers to one that was skipped, only the step's row is kept.
"""

from __future__ import annotations

import json
import marshal
import os
import sqlite3
import struct
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from flowplan.digests import sha256_hex

JOURNAL_DIRNAME = "journal"

#: The statements a record is made of, by the name a journal line gives them.
STATEMENTS: dict[str, str] = {
    "run": "UPDATE runs SET status = 'running', pid = ?, host = ?,"
    " started = COALESCE(started, ?) WHERE id = ?",
    "step": "INSERT OR IGNORE INTO step_runs (id, run_id, invocation_id, step_name, status,"
    " cache_key, started, ended, parameters, config, stdout, stderr, error, position)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    # A step's row with where it runs (its orchestrator; the Dask worker comes with its end)
    # and, for a cached one, the step run whose outputs it reused: one op for its start.
    "started": "INSERT OR IGNORE INTO step_runs (id, run_id, invocation_id, step_name, status,"
    " cache_key, started, ended, parameters, config, stdout, stderr, error, position,"
    " orchestrator, worker, original_step_run_id)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    # A cached step run names the step run whose outputs it reused (journals of earlier
    # versions: ``started`` holds it now).
    "original": "UPDATE step_runs SET original_step_run_id = ? WHERE id = ?",
    "end": "UPDATE step_runs SET status = ?, ended = ?, stdout = ?, stderr = ?, error = ?,"
    " cache_key = COALESCE(?, cache_key) WHERE id = ? AND status IN ('running', 'initializing')",
    "attempt": "INSERT OR REPLACE INTO attempts (step_run_id, number, started, ended, error)"
    " VALUES (?, ?, ?, ?, ?)",
    # The version is the one the writer expected, unless another run took it meanwhile.
    "artifact": "INSERT OR IGNORE INTO artifacts (id, name, version, uri, content_hash, data_type,"
    " materializer, step_run_id, output_name, created) VALUES (?1, ?2,"
    " MAX(?3, (SELECT COALESCE(MAX(version), 0) + 1 FROM artifacts WHERE name = ?2)),"
    " ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    "output": "INSERT OR IGNORE INTO step_outputs (step_run_id, output_name, position, artifact_id)"
    " VALUES (?, ?, ?, ?)",
    "input": "INSERT OR IGNORE INTO step_inputs (step_run_id, input_name, position, artifact_id)"
    " VALUES (?, ?, ?, ?)",
    "cache": "INSERT OR REPLACE INTO cache_entries (cache_key, step_run_id, created, code_hash)"
    " VALUES (?, ?, ?, ?)",
    # Where a step ran: its orchestrator when it starts, the Dask worker when it ends.
    "placed": "UPDATE step_runs SET orchestrator = COALESCE(?, orchestrator),"
    " worker = COALESCE(?, worker) WHERE id = ?",
}
#: The order in which a group's statements run: rows before what refers to them (a group
#: makes none of ``step`` and ``original``, which ``started`` replaced).
ORDER = (
    "run", "started", "end", "placed", "attempt", "artifact", "output", "input", "cache",
)  # fmt: skip

#: The ops that insert a step's row.
STEP_ROWS = ("step", "started")

Op = tuple[str, Sequence[Any]]
_HEAD = struct.Struct("<II")  # a frame's length and CRC-32
_MARSHAL_VERSION = 4


def journal_path(home: Path, run_id: str) -> Path:
    return home / JOURNAL_DIRNAME / f"{run_id}.journal"


def journal_paths(home: Path, run_id: str) -> tuple[Path, Path]:
    """The run's journal, and where earlier versions kept it (JSON lines)."""
    return journal_path(home, run_id), home / JOURNAL_DIRNAME / f"{run_id}.jsonl"


def frame(ops: Sequence[Op]) -> bytes:
    """One record as the journal holds it."""
    try:
        body = marshal.dumps(ops, _MARSHAL_VERSION)  # type: ignore[arg-type]
    except ValueError:  # a subclass of str or int (marshal takes exact types only)
        body = marshal.dumps(json.loads(json.dumps(ops)), _MARSHAL_VERSION)
    return _HEAD.pack(len(body), zlib.crc32(body)) + body


def read_records(data: bytes) -> list[list[Op]]:
    """The complete records of a journal's content, in order: its frames, or else (a
    journal of an earlier version) its JSON lines."""
    records = _frames(data)
    if not records and data[:1] == b"[":
        return _json_lines(data)
    return records


def _frames(data: bytes) -> list[list[Op]]:
    records: list[list[Op]] = []
    at = 0
    while at + _HEAD.size <= len(data):
        length, crc = _HEAD.unpack_from(data, at)
        body = data[at + _HEAD.size : at + _HEAD.size + length]
        if len(body) < length or zlib.crc32(body) != crc:
            break  # the last frame, cut short by the kill
        at += _HEAD.size + length
        try:
            ops: list[Op] = [(str(name), list(params)) for name, params in marshal.loads(body)]
        except (ValueError, TypeError, EOFError):
            break
        records.append(ops)
    return records


def _json_lines(data: bytes) -> list[list[Op]]:
    records: list[list[Op]] = []
    for line in data.splitlines():
        try:
            ops: list[Op] = [(str(name), list(params)) for name, params in json.loads(line)]
            records.append(ops)
        except (ValueError, TypeError):
            break  # the last line, cut short by the kill
    return records


class Journal:
    """The append-only journal of one run, opened on its first record."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def append(self, records: Sequence[Sequence[Op]]) -> None:
        """Append ``records`` (each a list of ops applied whole), one frame each."""
        data = b"".join([frame(ops) for ops in records])
        if self._fd is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        view = memoryview(data)
        while view:
            view = view[os.write(self._fd, view) :]

    def close(self, *, remove: bool) -> None:
        """Close the file; ``remove`` once every record is committed."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
        if remove:
            self.path.unlink(missing_ok=True)


def replay_run(conn: sqlite3.Connection, home: Path, run_id: str) -> int:
    """Replay run ``run_id``'s journal (in either place) inside ``conn``'s write transaction."""
    return sum(replay(conn, path) for path in journal_paths(home, run_id))


def remove_journal(home: Path, run_id: str) -> None:
    for path in journal_paths(home, run_id):
        path.unlink(missing_ok=True)


def replay(conn: sqlite3.Connection, path: Path) -> int:
    """Apply the journal at ``path`` inside ``conn``'s write transaction; return the number
    of records applied (0 when there is no journal)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return 0
    applied = 0
    for ops in read_records(data):
        if any(name not in STATEMENTS for name, _ in ops) or not all(
            _intact(params) for name, params in ops if name == "artifact"
        ):
            continue
        if _apply(conn, ops):
            applied += 1
        else:  # it refers to a record that was skipped: keep at least the step's row
            _apply(conn, [(name, params) for name, params in ops if name in STEP_ROWS])
    return applied


def _apply(conn: sqlite3.Connection, ops: Sequence[Op]) -> bool:
    """Apply one record whole, or nothing of it."""
    conn.execute("SAVEPOINT record")
    try:
        for name, params in ops:
            conn.execute(STATEMENTS[name], params)
    except sqlite3.IntegrityError:
        conn.execute("ROLLBACK TO record")
        conn.execute("RELEASE record")
        return False
    conn.execute("RELEASE record")
    return True


def _intact(params: Sequence[Any]) -> bool:
    """Whether an artifact's file (a local path) holds the content recorded for it; files
    behind a URL are checked when they are read.  A damaged file is deleted, so that the
    step that reruns writes it again."""
    uri, content_hash = str(params[3]), str(params[4])
    if "://" in uri:
        return True
    try:
        with open(uri, "rb") as handle:
            if sha256_hex(handle.read()) == content_hash:
                return True
        os.unlink(uri)
    except OSError:
        pass
    return False
