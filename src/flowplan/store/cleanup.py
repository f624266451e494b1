"""Deleting runs and collecting what no run references (``flow runs delete``, ``flow gc``).

A run's records go in one transaction: its step runs, their attempts and input/output links,
and the cache entries they made.  An artifact it produced that another run still uses (a
cached step) stays, without its producer.  Artifacts that no step run links any more are
garbage; their files go when no other artifact row shares the content.  Both are dry runs
unless ``apply`` is set, and report what they free.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flowplan.store.local import LocalStore

UNREFERENCED = (
    "SELECT * FROM artifacts a WHERE (a.step_run_id IS NOT NULL OR a.output_name IS NOT NULL)"
    " AND NOT EXISTS (SELECT 1 FROM step_outputs o WHERE o.artifact_id = a.id)"
    " AND NOT EXISTS (SELECT 1 FROM step_inputs i WHERE i.artifact_id = a.id)"
)


@dataclass
class Collected:
    """What a clean-up removed (or, in a dry run, would remove)."""

    runs: list[str] = field(default_factory=list)
    step_runs: int = 0
    artifacts: list[tuple[str, int]] = field(default_factory=list)  # (name, version)
    files: list[str] = field(default_factory=list)
    bytes_freed: int = 0
    temp_files: int = 0

    def summary(self, applied: bool) -> str:
        verb = "freed" if applied else "would free"
        parts = []
        if self.runs:
            parts.append(f"{len(self.runs)} run(s) ({self.step_runs} step runs)")
        parts.append(f"{len(self.artifacts)} unreferenced artifact version(s)")
        parts.append(f"{len(self.files)} file(s)")
        if self.temp_files:
            parts.append(f"{self.temp_files} temporary file(s)")
        text = f"{verb} {', '.join(parts)}: {_size(self.bytes_freed)}"
        return text if applied else text + " (dry run: add --yes to delete)"


def delete_runs(store: LocalStore, run_ids: Sequence[str], apply: bool) -> Collected:
    """Delete runs and then the artifacts only they referenced."""

    def delete(conn: sqlite3.Connection) -> Collected:
        collected = Collected()
        for run_id in run_ids:
            step_ids = [r[0] for r in conn.execute(
                "SELECT id FROM step_runs WHERE run_id = ?", (run_id,))]
            collected.runs.append(run_id)
            collected.step_runs += len(step_ids)
            _delete_step_runs(conn, step_ids)
            conn.execute("DELETE FROM runs WHERE id = ?", (run_id,))
        _collect(store, conn, collected)
        return collected

    collected = _transaction(store, delete, apply)
    if apply:
        _remove_files(collected)
    return collected


def collect_garbage(store: LocalStore, apply: bool) -> Collected:
    """Delete unreferenced artifact versions, their unshared files and stale temporary files."""

    def collect(conn: sqlite3.Connection) -> Collected:
        collected = Collected()
        _collect(store, conn, collected)
        return collected

    collected = _transaction(store, collect, apply)
    temps = list((store.home / "artifacts").glob("*/.tmp-*"))
    collected.temp_files = len(temps)
    collected.bytes_freed += sum(_file_size(p) for p in temps)
    if apply:
        _remove_files(collected)
        for temp in temps:
            temp.unlink(missing_ok=True)
    return collected


class _DryRun(Exception):
    """Rolls a dry run's transaction back, carrying what it would have removed."""

    def __init__(self, collected: Collected) -> None:
        super().__init__("dry run")
        self.collected = collected


def _transaction(
    store: LocalStore, work: Callable[[sqlite3.Connection], Collected], apply: bool
) -> Collected:
    def run(conn: sqlite3.Connection) -> Collected:
        collected = work(conn)
        if not apply:
            raise _DryRun(collected)
        return collected

    try:
        return store.metadata.db.write(run)
    except _DryRun as dry:
        return dry.collected


def _delete_step_runs(conn: sqlite3.Connection, step_ids: list[str]) -> None:
    for step_id in step_ids:
        params = (step_id,)
        conn.execute("DELETE FROM attempts WHERE step_run_id = ?", params)
        conn.execute("DELETE FROM step_outputs WHERE step_run_id = ?", params)
        conn.execute("DELETE FROM step_inputs WHERE step_run_id = ?", params)
        conn.execute("DELETE FROM cache_entries WHERE step_run_id = ?", params)
        conn.execute("UPDATE artifacts SET step_run_id = NULL WHERE step_run_id = ?", params)
        if _has_column(conn, "step_runs", "original_step_run_id"):
            conn.execute("UPDATE step_runs SET original_step_run_id = NULL"
                         " WHERE original_step_run_id = ?", params)
    for step_id in step_ids:
        conn.execute("DELETE FROM step_runs WHERE id = ?", (step_id,))


def _collect(store: LocalStore, conn: sqlite3.Connection, collected: Collected) -> None:
    rows = conn.execute(UNREFERENCED).fetchall()
    for row in rows:
        conn.execute("DELETE FROM artifacts WHERE id = ?", (row["id"],))
        collected.artifacts.append((row["name"], row["version"]))
    for content_hash, uri in {(r["content_hash"], r["uri"]) for r in rows}:
        shared = conn.execute(
            "SELECT 1 FROM artifacts WHERE content_hash = ? LIMIT 1", (content_hash,)
        ).fetchone()
        if shared is not None or store.local_artifacts is None:
            continue  # another version holds the same content, or the files are remote
        local = store.local_artifacts.path_for(content_hash)
        if Path(uri) == local and local.is_file():
            collected.files.append(str(local))
            collected.bytes_freed += _file_size(local)


def _remove_files(collected: Collected) -> None:
    for path in collected.files:
        Path(path).unlink(missing_ok=True)


def _has_column(conn: sqlite3.Connection, table: str, column: str) -> bool:
    return any(r[1] == column for r in conn.execute(f"PRAGMA table_info({table})"))


def _file_size(path: Path) -> int:
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


def _size(count: int) -> str:
    size = float(count)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{count} B"
