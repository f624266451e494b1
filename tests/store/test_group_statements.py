"""How a group's rows reach SQLite: link and attempt rows several to a statement."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest

from flowplan.enums import ExecutionStatus as S
from flowplan.store.db import NewArtifact
from flowplan.store.local import LocalStore
from flowplan.store.run_writer import RunWriter


def _traced(store: LocalStore, monkeypatch: pytest.MonkeyPatch) -> list[str]:
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


def test_links_and_attempts_go_sixteen_rows_to_a_statement(
    store: LocalStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_id = store.metadata.create_run("r", "p", {}, None, {})
    writer = RunWriter(store.metadata, run_id, window=3600.0)
    executed = _traced(store, monkeypatch)
    saved = store.save_output(1, sync=False)
    expected_inputs, expected_outputs, expected_attempts = [], [], []
    previous: list[str] = []
    for i in range(40):  # 40 steps: 2 statements of 16 rows, then 8 rows one by one
        inputs = {"x": previous} if previous else {"x": []}
        step = writer.start(f"s{i}", "s", {}, inputs=inputs if previous else None)
        new = NewArtifact(f"p::s{i}::output", saved.uri, saved.content_hash, saved.data_type,
                          saved.materializer, "output")  # fmt: skip
        records = writer.finish(step, S.COMPLETED, attempts=[(1, float(i), i + 0.5, None)],
                                artifacts=[new])  # fmt: skip
        assert records is not None
        made = str(records["output"].id)
        expected_outputs.append((str(step), "output", 0, made))
        expected_attempts.append((str(step), 1, float(i), i + 0.5, None))
        expected_inputs += [(str(step), "x", at, artifact) for at, artifact in enumerate(previous)]
        previous = [made, *previous][:2]  # two inputs a step, in order
    writer.flush()

    def statements(table: str) -> list[int]:
        """The rows each statement that inserted into ``table`` carried."""
        return [
            text.count("), (") + 1
            for text in executed
            if text.startswith(
                ("INSERT OR IGNORE INTO " + table, "INSERT OR REPLACE INTO " + table)
            )
        ]

    assert statements("step_outputs") == [16, 16, *[1] * 8]
    assert statements("attempts") == [16, 16, *[1] * 8]
    assert sorted(statements("step_inputs"), reverse=True) == [16] * 4 + [1] * 13  # 77 rows
    with sqlite3.connect(store.metadata.path) as conn:
        assert sorted(conn.execute("SELECT * FROM step_outputs")) == sorted(expected_outputs)
        assert sorted(conn.execute("SELECT * FROM attempts")) == sorted(expected_attempts)
        assert sorted(conn.execute("SELECT * FROM step_inputs")) == sorted(expected_inputs)
    assert len(expected_inputs) == 77
