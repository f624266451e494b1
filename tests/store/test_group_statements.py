"""How a run's records reach the journal and SQLite: a step's start is one op, link and
attempt rows go several to a statement."""

from __future__ import annotations

import sqlite3
from typing import Any

from flowplan.enums import ExecutionStatus as S
from flowplan.store.db import MetadataStore, NewArtifact
from flowplan.store.journal import Journal, read_records, replay
from flowplan.store.local import LocalStore
from flowplan.store.run_writer import RunWriter


def test_links_and_attempts_go_sixteen_rows_to_a_statement(
    store: LocalStore, written_sql: list[str]
) -> None:
    run_id = store.metadata.create_run("r", "p", {}, None, {})
    writer = RunWriter(store.metadata, run_id, window=3600.0)
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
            for text in written_sql
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


def test_a_step_start_is_one_op_with_its_orchestrator_and_the_step_run_it_reused(
    store: LocalStore,
) -> None:
    run_id = store.metadata.create_run("r", "p", {}, None, {})
    writer = RunWriter(store.metadata, run_id, window=3600.0)
    ran = writer.start("a", "s", {}, orchestrator="local")
    writer.finish(ran, S.COMPLETED, worker="w1")
    cached = writer.start("b", "s", {}, "k", status=S.CACHED, orchestrator="dask",
                          original=str(ran))  # fmt: skip
    writer.journal_pending()
    records = read_records(writer.journal.path.read_bytes())
    assert [[name for name, _ in record] for record in records] == [
        ["started"], ["end", "placed"], ["started"]
    ]
    assert records[2][0][1][-3:] == ["dask", None, str(ran)]
    writer.finish_run(S.COMPLETED)
    with sqlite3.connect(store.metadata.path) as conn:
        rows = conn.execute("SELECT id, status, orchestrator, worker, original_step_run_id"
                            " FROM step_runs ORDER BY position").fetchall()  # fmt: skip
    assert rows == [
        (str(ran), "completed", "local", "w1", None),
        (str(cached), "cached", "dask", None, str(ran)),
    ]


def test_a_journal_of_an_earlier_version_replays_its_step_placed_and_original_ops(
    store: LocalStore,
) -> None:
    """Journals written before a step's start was one op (a run killed, then replayed by
    this version) keep where their steps ran and the step runs they reused."""
    run_id = str(store.metadata.create_run("r", "p", {}, None, {}))
    journal = Journal(store.metadata.path.parent / "journal" / f"{run_id}.journal")

    def step(owner: str, status: str, position: int) -> tuple[str, tuple[Any, ...]]:
        return ("step", (owner, run_id, owner[-1], "s", status, None, 1.5, None, "{}", "{}",
                         None, None, None, position))  # fmt: skip

    a = "01a25398-c194-78e9-932d-08de128ca76a"
    b = "01a25398-c194-78e9-932d-08de128ca76b"
    journal.append([
        [step(a, "running", 0), ("placed", ("local", None, a))],
        [("end", ("completed", 2.5, "", "", None, None, a)), ("placed", (None, "w1", a))],
        [step(b, "cached", 1), ("placed", ("local", None, b)), ("original", (a, b))],
    ])  # fmt: skip
    journal.close(remove=False)
    meta = MetadataStore(store.metadata.path)
    assert meta.db.write(lambda conn: replay(conn, journal.path)) == 3
    meta.close()
    with sqlite3.connect(store.metadata.path) as conn:
        rows = conn.execute("SELECT id, status, orchestrator, worker, original_step_run_id"
                            " FROM step_runs ORDER BY position").fetchall()  # fmt: skip
    assert rows == [(a, "completed", "local", "w1", None), (b, "cached", "local", None, a)]
