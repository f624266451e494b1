"""Statements a run makes cost the same however many versions the store already holds.

SQLite work is counted in virtual machine instructions (``set_progress_handler`` called on
every instruction), so the comparison is exact and needs no timing."""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from flowplan.store import queries
from flowplan.store.local import LocalStore

NAMES = [f"p::s{i}::output" for i in range(10)]


def _instructions(conn: sqlite3.Connection, work: Callable[[], Any]) -> tuple[int, Any]:
    count = 0

    def tick() -> int:
        nonlocal count
        count += 1
        return 0

    conn.set_progress_handler(tick, 1)
    try:
        result = work()
    finally:
        conn.set_progress_handler(None, 1)
    return count, result


def _add_versions(conn: sqlite3.Connection, versions: range) -> None:
    conn.executemany(
        "INSERT INTO artifacts (id, name, version, uri, content_hash, data_type, materializer,"
        " created) VALUES (?, ?, ?, 'u', 'h', 'builtins.int', 'm', 0)",
        [(str(uuid.uuid4()), name, v) for v in versions for name in NAMES],
    )
    conn.commit()


def test_the_latest_versions_a_run_starts_from_cost_one_lookup_per_name(
    store: LocalStore,
) -> None:
    conn = sqlite3.connect(store.metadata.path)
    wanted = [*NAMES, "p::never::output"]
    _add_versions(conn, range(1, 3))
    few, found = _instructions(conn, lambda: queries.latest_versions(conn, wanted))
    assert found == dict.fromkeys(NAMES, 2)  # a name without versions is left out
    _add_versions(conn, range(3, 403))
    many, found = _instructions(conn, lambda: queries.latest_versions(conn, wanted))
    assert found == dict.fromkeys(NAMES, 402)
    # Reading every version of each name would cost about 200 times more.
    assert many <= few + 10 * len(wanted)
    conn.close()


def test_a_run_does_the_same_sqlite_work_after_many_runs_of_its_pipeline(
    home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import flowplan.store.connection as connection
    from flowplan import pipeline, step

    instructions = [0]
    opened = connection._Connection.__init__

    def counting(self: sqlite3.Connection, *args: Any, **kwargs: Any) -> None:
        opened(self, *args, **kwargs)  # type: ignore[arg-type]

        def tick() -> int:
            instructions[0] += 1
            return 0

        self.set_progress_handler(tick, 1)

    monkeypatch.setattr(connection._Connection, "__init__", counting)

    @step
    def add_one(x: int) -> int:
        return x + 1

    @pipeline(enable_cache=False)
    def chain() -> None:
        value = add_one(x=0, id="s0")
        for i in range(1, 5):
            value = add_one(value, id=f"s{i}")

    work = []
    for n in range(1, 61):
        instructions[0] = 0
        chain()
        if n in (2, 60):
            work.append(instructions[0])
    capsys.readouterr()
    second, sixtieth = work
    assert sixtieth <= second * 1.1, work  # each version read would add up run by run


def _add_cache_entries(conn: sqlite3.Connection, code_hash: str, count: int) -> None:
    conn.executemany(
        "INSERT INTO cache_entries (cache_key, step_run_id, created, code_hash) VALUES (?, ?, 0, ?)",
        [(str(uuid.uuid4()), str(uuid.uuid4()), code_hash) for _ in range(count)],
    )
    conn.commit()


def test_a_crowded_step_code_costs_a_run_start_no_more_than_its_limit(store: LocalStore) -> None:
    """A step run with ever new inputs gathers cache entries; a run's start counts them no
    further than its limit, and reads none of them once they are more."""
    conn = sqlite3.connect(store.metadata.path)
    _add_cache_entries(conn, "few", 10)
    _add_cache_entries(conn, "many", 100)
    limits = {"few": 64, "many": 64}
    first, crowded = _instructions(conn, lambda: queries.crowded_codes(conn, limits))
    assert crowded == {"many"}
    _add_cache_entries(conn, "many", 5000)
    later, crowded = _instructions(conn, lambda: queries.crowded_codes(conn, limits))
    assert crowded == {"many"}
    assert later <= first + 50  # counted up to the limit, however many there are
    conn.close()
    index = store.metadata.run_index(limits, [])
    assert index.crowded == {"many"}
    assert len(index.entries) == 10  # the crowded code's entries are not read
