from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from flowplan.store.local import LocalStore


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "home"
    monkeypatch.setenv("FLOWPLAN_HOME", str(folder))
    return folder


@pytest.fixture
def store(home: Path) -> Iterator[LocalStore]:
    opened = LocalStore.open()
    yield opened
    opened.close()


@pytest.fixture
def written_sql(store: LocalStore, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The statements the store's write transactions run from now on, as SQLite traces them
    (one entry per execution, with its values)."""
    executed: list[str] = []
    original = store.metadata.db.write

    def traced(work: Any) -> Any:
        def run(conn: sqlite3.Connection) -> Any:
            conn.set_trace_callback(executed.append)
            try:
                return work(conn)
            finally:
                conn.set_trace_callback(None)

        return original(run)

    monkeypatch.setattr(store.metadata.db, "write", traced)
    return executed
