from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from flowplan.diagnostics import StoreError
from flowplan.store.db import MetadataStore
from flowplan.store.schema import MIGRATIONS


def _tables(path: Path) -> set[str]:
    with sqlite3.connect(path) as conn:
        return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}


def _version(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        return int(conn.execute("SELECT version FROM schema_version").fetchone()[0])


def test_creates_schema_in_wal_mode(tmp_path: Path) -> None:
    path = tmp_path / "flowplan.db"
    store = MetadataStore(path)
    assert {
        "schema_version",
        "pipelines",
        "runs",
        "step_runs",
        "attempts",
        "artifacts",
        "step_outputs",
        "step_inputs",
        "cache_entries",
        "snapshots",
    } <= _tables(path)
    assert _version(path) == len(MIGRATIONS)
    mode = store.db.connection().execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"
    assert store.db.connection().execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
    store.close()


def test_reopening_applies_nothing_twice(tmp_path: Path) -> None:
    path = tmp_path / "flowplan.db"
    MetadataStore(path).close()
    store = MetadataStore(path)
    assert store.db.schema_version == len(MIGRATIONS)
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT COUNT(*) FROM schema_version").fetchone()[0] == 1
    store.close()


def test_a_migration_step_upgrades_an_existing_store(tmp_path: Path) -> None:
    path = tmp_path / "flowplan.db"
    old = MetadataStore(path)
    run_id = old.create_run("kept", "p", {}, None, {})
    old.close()
    step = (
        "ALTER TABLE runs ADD COLUMN owner TEXT NOT NULL DEFAULT 'nobody'",
        "CREATE TABLE labels (run_id TEXT NOT NULL, label TEXT NOT NULL)",
    )
    upgraded = MetadataStore(path, migrations=(*MIGRATIONS, step))
    assert upgraded.db.schema_version == len(MIGRATIONS) + 1
    assert _version(path) == len(MIGRATIONS) + 1
    assert "labels" in _tables(path)
    assert upgraded.get_run(run_id).name == "kept"
    row = upgraded.db.read(lambda c: c.execute("SELECT owner FROM runs").fetchone())
    assert row[0] == "nobody"
    upgraded.close()


def test_a_failing_migration_leaves_the_old_schema(tmp_path: Path) -> None:
    path = tmp_path / "flowplan.db"
    MetadataStore(path).close()
    broken = ("CREATE TABLE fine (x INTEGER)", "THIS IS NOT SQL")
    with pytest.raises(StoreError):
        MetadataStore(path, migrations=(*MIGRATIONS, broken))
    assert _version(path) == len(MIGRATIONS)
    assert "fine" not in _tables(path)


def test_newer_schema_is_refused_with_fp508(tmp_path: Path) -> None:
    path = tmp_path / "flowplan.db"
    MetadataStore(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE schema_version SET version = ?", (len(MIGRATIONS) + 5,))
    with pytest.raises(StoreError) as caught:
        MetadataStore(path)
    assert caught.value.code == "FP508"
    assert caught.value.diagnostic.path == str(path)
    assert "upgrade flowplan" in (caught.value.diagnostic.fix or "")


def test_concurrent_first_opens_migrate_once(tmp_path: Path) -> None:
    path = tmp_path / "flowplan.db"
    errors: list[BaseException] = []

    def open_store() -> None:
        try:
            MetadataStore(path).close()
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=open_store) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert _version(path) == len(MIGRATIONS)


def test_a_store_of_the_first_schema_upgrades_and_keeps_its_runs(tmp_path: Path) -> None:
    from flowplan.enums import ExecutionStatus
    from flowplan.store.schema import migrate

    path = tmp_path / "flowplan.db"
    with sqlite3.connect(path) as conn:
        migrate(conn, str(path), MIGRATIONS[:1])
        conn.execute(
            "INSERT INTO runs (id, name, pipeline, status, parameters, config, created, pid)"
            " VALUES ('00000000-0000-0000-0000-000000000001', 'old', 'p', 'running', '{}', '{}',"
            " 0, 999999999)"
        )
    store = MetadataStore(path)
    assert _version(path) == len(MIGRATIONS)
    run = store.get_run("old")  # no host recorded: never taken for an orphan of this machine
    assert run.status is ExecutionStatus.RUNNING
    store.close()


def test_opening_an_up_to_date_store_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every open but the first reads the schema's version and takes no write lock."""
    from flowplan.store.connection import Database

    path = tmp_path / "flowplan.db"
    MetadataStore(path).close()

    def no_write(self: Database, work: object) -> object:
        raise AssertionError("an up-to-date store was opened with a write transaction")

    monkeypatch.setattr(Database, "write", no_write)
    store = MetadataStore(path)
    assert store.db.schema_version == len(MIGRATIONS)
    store.close()
