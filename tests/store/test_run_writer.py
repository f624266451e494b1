"""The run writer: records journaled at once and committed in groups."""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path
from typing import Any

import pytest

from flowplan.diagnostics import StoreError
from flowplan.enums import ExecutionStatus as S
from flowplan.store.db import MetadataStore, NewArtifact
from flowplan.store.journal import (
    STEP_ROWS,
    Journal,
    frame,
    read_records,
    remove_journal,
    replay,
    replay_run,
)
from flowplan.store.local import LocalStore
from flowplan.store.run_writer import RunWriter


def _raw(db: Path, sql: str) -> list[Any]:
    """Rows read without flowplan (which would commit this process's pending records)."""
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchall()


def _writer(store: LocalStore, window: float = 3600.0) -> tuple[RunWriter, Any]:
    run_id = store.metadata.create_run("r", "p", {}, None, {})
    return RunWriter(store.metadata, run_id, window=window), run_id


def _output(store: LocalStore, value: object) -> NewArtifact:
    saved = store.save_output(value, sync=False)
    return NewArtifact(
        "p::s::output", saved.uri, saved.content_hash, saved.data_type, saved.materializer,
        "output",
    )  # fmt: skip


def test_a_group_of_steps_is_one_transaction(
    store: LocalStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    writer, run_id = _writer(store)
    db = store.metadata.path
    commits: list[int] = []
    original = store.metadata.db.write
    monkeypatch.setattr(
        store.metadata.db, "write", lambda work: commits.append(1) or original(work)
    )
    for i in range(100):
        step = writer.start(f"s{i}", "s", {"i": i}, f"key{i}")
        records = writer.finish(
            step, S.COMPLETED, attempts=[(1, 1.0, 2.0, None)],
            artifacts=[_output(store, i)], cache_key=f"key{i}", code_hash="c",
        )  # fmt: skip
        assert records is not None and records["output"].version == i + 1
    assert _raw(db, "SELECT COUNT(*) FROM step_runs") == [(0,)]  # all pending
    writer.flush()
    assert commits == [1]
    rows = _raw(db, "SELECT invocation_id, status, position FROM step_runs ORDER BY position")
    assert rows == [(f"s{i}", "completed", i) for i in range(100)]
    assert _raw(db, "SELECT COUNT(*) FROM cache_entries WHERE code_hash = 'c'") == [(100,)]
    versions = _raw(db, "SELECT version FROM artifacts ORDER BY version")
    assert versions == [(i + 1,) for i in range(100)]
    writer.finish_run(S.COMPLETED)
    assert store.metadata.get_run(run_id).status is S.COMPLETED
    assert not writer.journal.path.exists()


def test_reads_in_this_process_see_pending_records(store: LocalStore) -> None:
    writer, run_id = _writer(store)
    writer.start("s", "s", {})
    assert [s.status for s in store.metadata.get_step_runs(run_id)] == [S.RUNNING]
    other = LocalStore.open(store.home)  # another store object over the same file
    assert len(other.metadata.get_step_runs(run_id)) == 1
    other.close()


def test_a_running_step_is_committed_within_the_window(store: LocalStore) -> None:
    writer, _ = _writer(store, window=0.02)
    writer.start("long", "s", {})
    deadline = time.monotonic() + 5
    while not _raw(store.metadata.path, "SELECT status FROM step_runs"):
        assert time.monotonic() < deadline
        time.sleep(0.005)
    assert _raw(store.metadata.path, "SELECT status FROM step_runs") == [("running",)]
    writer.finish_run(S.STOPPED)


def test_a_failure_is_committed_at_once(store: LocalStore) -> None:
    writer, _ = _writer(store)
    step = writer.start("s", "s", {})
    writer.finish(step, S.FAILED, error="boom")
    assert _raw(store.metadata.path, "SELECT status, error FROM step_runs") == [("failed", "boom")]


def test_a_late_result_of_a_stopped_step_is_discarded(store: LocalStore) -> None:
    writer, run_id = _writer(store)
    step = writer.start("s", "s", {})
    writer.stop(step, "stopped: FAIL_FAST")
    assert writer.finish(step, S.COMPLETED, artifacts=[_output(store, 1)]) is None
    writer.finish_run(S.FAILED)
    (record,) = store.metadata.get_step_runs(run_id)
    assert record.status is S.STOPPED and record.outputs == {}


def test_steps_with_hooks_see_everything_committed(store: LocalStore) -> None:
    writer, _ = _writer(store)
    writer.start("before", "s", {})
    writer.hooks_started()
    assert _raw(store.metadata.path, "SELECT invocation_id FROM step_runs") == [("before",)]
    writer.start("during", "s", {})
    assert len(_raw(store.metadata.path, "SELECT 1 FROM step_runs")) == 2
    writer.hooks_ended()
    writer.start("after", "s", {})
    assert len(_raw(store.metadata.path, "SELECT 1 FROM step_runs")) == 2


def test_the_journal_replays_idempotently(store: LocalStore) -> None:
    writer, _ = _writer(store)
    first = writer.start("a", "s", {})
    made = writer.finish(
        first, S.COMPLETED, artifacts=[_output(store, "a")], cache_key="k", code_hash="c"
    )
    assert made is not None
    writer.flush()  # ``a`` committed; ``b`` is only in the journal
    second = writer.start("b", "s", {}, inputs={"x": [made["output"].id]})
    writer.finish(second, S.COMPLETED, artifacts=[_output(store, "b")])
    writer.journal_pending()  # what the driver does before a step runs
    path = writer.journal.path
    meta = MetadataStore(store.metadata.path)
    for _ in range(2):
        meta.db.write(lambda conn: replay(conn, path))
    rows = _raw(
        store.metadata.path, "SELECT invocation_id, status FROM step_runs ORDER BY position"
    )
    assert rows == [("a", "completed"), ("b", "completed")]
    assert _raw(store.metadata.path, "SELECT COUNT(*) FROM step_inputs") == [(1,)]
    assert _raw(store.metadata.path, "SELECT COUNT(*) FROM artifacts") == [(2,)]
    meta.close()


def _journaled(writer: RunWriter) -> list[str]:
    """The invocation ids whose step rows are in the writer's journal."""
    if not writer.journal.path.exists():
        return []
    records = read_records(writer.journal.path.read_bytes())
    return [p[2] for record in records for name, p in record if name in STEP_ROWS]


def test_records_are_journaled_before_a_step_runs_in_one_write(store: LocalStore) -> None:
    writer, _ = _writer(store)
    writes: list[int] = []
    original = writer.journal.append
    writer.journal.append = lambda records: writes.append(len(records)) or original(records)  # type: ignore[method-assign]
    writer.start("a", "s", {})
    writer.start("b", "s", {})
    assert _journaled(writer) == []  # not yet: no step has run
    writer.journal_pending()
    assert writes == [2] and _journaled(writer) == ["a", "b"]
    writer.journal_pending()  # nothing new: no write
    assert writes == [2]
    writer.finish_run(S.COMPLETED)


def test_a_group_is_journaled_before_its_transaction(
    store: LocalStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    writer, _ = _writer(store)
    writer.start("a", "s", {})

    def busy(work: object) -> None:
        raise StoreError([])

    monkeypatch.setattr(store.metadata.db, "write", busy)
    with pytest.raises(StoreError):
        writer.flush()  # the commit failed: its records are safe in the journal
    assert _journaled(writer) == ["a"]
    monkeypatch.undo()
    writer.finish_run(S.STOPPED)
    assert [r.invocation_id for r in store.metadata.get_step_runs(writer.run_id)] == ["a"]


def test_record_ids_are_time_ordered(store: LocalStore) -> None:
    """Rows keyed by these ids are appended to their indexes (a commit writes few pages)."""
    from flowplan.store.records import new_id

    earlier = [new_id() for _ in range(300)]  # more than one block of randomness
    time.sleep(0.002)
    later = new_id()
    assert all(str(i) < str(later) for i in earlier)
    assert later.version == 7 and later.variant == "specified in RFC 4122"
    assert len(set(earlier)) == len(earlier)
    writer, _ = _writer(store)
    first = writer.start("a", "s", {})
    time.sleep(0.002)
    second = writer.start("b", "s", {})
    writer.finish_run(S.COMPLETED)
    rows = _raw(store.metadata.path, "SELECT invocation_id FROM step_runs ORDER BY id")
    assert rows == [("a",), ("b",)] and str(first) < str(second)


def test_record_ids_are_canonical_and_distinct_across_threads() -> None:
    """Ids made at once by several threads (each run writer's, the step threads') are all
    distinct, ascend in each thread, and are spelled as ``UUID`` spells them."""
    import threading
    from uuid import UUID

    from flowplan.store.records import new_id

    made: list[list[UUID]] = [[] for _ in range(4)]

    def make(into: list[UUID]) -> None:
        for _ in range(5000):
            into.append(new_id())

    threads = [threading.Thread(target=make, args=(into,)) for into in made]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    every = [i for into in made for i in into]
    assert len(set(every)) == len(set(map(str, every))) == 20000
    for into in made:
        assert [str(i) for i in into] == sorted(str(i) for i in into)
    for i in every[::97]:
        plain = UUID(str(i))
        assert str(plain) == str(i) and plain.int == i.int and plain.version == 7
        assert plain.variant == "specified in RFC 4122"


def test_a_forked_child_makes_ids_of_its_own() -> None:
    """The random parts kept for the next ids are the parent's: a child fetches its own."""
    import os

    from flowplan.store.records import new_id

    new_id()  # parts for the next ids are kept
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child
        try:
            os.write(write, str(new_id()).encode())
        finally:
            os._exit(0)
    os.waitpid(pid, 0)
    child = os.read(read, 64).decode()
    os.close(read)
    os.close(write)
    parent = str(new_id())
    assert len(child) == 36 and child[14:] != parent[14:]  # the random parts differ


def test_a_record_id_is_a_uuid_that_keeps_its_text() -> None:
    import copy
    import pickle
    import uuid

    from flowplan.store.records import new_id

    made = new_id()
    plain = uuid.UUID(str(made))
    assert str(made) == str(plain) and str(made) is str(made)  # made once, then kept
    assert made == plain and hash(made) == hash(plain) and {plain: 1}[made] == 1
    assert made.int == plain.int and made.hex == plain.hex and made.version == 7
    assert repr(made) == repr(plain)
    for copied in (pickle.loads(pickle.dumps(made)), copy.deepcopy(made), copy.copy(made)):
        assert type(copied) is uuid.UUID and copied == plain

    from flowplan.store.records import RecordId, record_id

    read = record_id(str(plain))  # as a row gives it back
    assert isinstance(read, RecordId) and read == plain and str(read) == str(plain)
    for text in (str(plain).upper(), "{" + str(plain) + "}", str(plain).replace("-", "")):
        assert type(record_id(text)) is uuid.UUID and record_id(text) == plain
    with pytest.raises(ValueError):
        record_id("zz" + str(plain)[2:])


def test_a_step_started_and_ended_in_one_group_is_one_insert(
    store: LocalStore, written_sql: list[str]
) -> None:
    """Where it ran and the step run it reused are part of its row: no update per step."""
    writer, _ = _writer(store)
    reused = writer.start("a", "s", {}, "k", orchestrator="local")
    writer.finish(reused, S.COMPLETED, attempts=[(1, 1.0, 2.0, None)], worker="w1")
    for i in range(20):
        step = writer.start(f"c{i}", "s", {}, "k", status=S.CACHED, orchestrator="local",
                            original=str(reused))
        assert writer.finish(step, S.COMPLETED) is None  # a cached step is finished
    writer.flush()
    assert not [s for s in written_sql if s.startswith("UPDATE step_runs")]
    rows = _raw(store.metadata.path, "SELECT invocation_id, orchestrator, worker,"
                " original_step_run_id FROM step_runs ORDER BY position")
    assert rows[0] == ("a", "local", "w1", None)
    assert rows[1:] == [(f"c{i}", "local", None, str(reused)) for i in range(20)]
    late = writer.start("late", "s", {}, orchestrator="local")
    writer.flush()  # started in one group, ended in the next: its row is updated
    writer.finish(late, S.COMPLETED, worker="w2")
    writer.flush()
    assert _raw(store.metadata.path, "SELECT status, orchestrator, worker FROM step_runs"
                " WHERE invocation_id = 'late'") == [("completed", "local", "w2")]


def test_a_journal_ends_at_a_frame_cut_short_or_damaged(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "run.journal")
    first = [("step", ("a", "r", "a", "s", "running", None, 1.5, None, "{}", "{}", None, None,
                       None, 0))]  # fmt: skip
    second = [("end", ("completed", 2.5, "", "", None, None, "a"))]
    journal.append([first, second])
    journal.close(remove=False)
    data = journal.path.read_bytes()
    whole = [[(n, list(p)) for n, p in first], [(n, list(p)) for n, p in second]]
    assert read_records(data) == whole
    cut = data[: len(data) - 3]  # the kill landed inside the second frame's write
    assert read_records(cut) == [[(n, list(p)) for n, p in first]]
    damaged = bytearray(data)
    damaged[-2] ^= 0xFF  # a byte of the second record changed: its checksum fails
    assert len(read_records(bytes(damaged))) == 1
    assert read_records(data + b"\0" * 16) == read_records(data)  # zeros after a power cut


def test_a_record_with_a_str_subclass_is_journaled_as_plain_values() -> None:
    class Name(str):
        pass

    ops = [("cache", (Name("key"), "a", 1.0, None))]
    assert read_records(frame(ops)) == [[("cache", ["key", "a", 1.0, None])]]


def test_a_journal_of_json_lines_from_an_earlier_version_replays(store: LocalStore) -> None:
    writer, run_id = _writer(store)
    step = writer.start("a", "s", {})
    writer.finish(step, S.COMPLETED)
    records = writer._unjournaled  # what the next journal write would hold
    path = writer.journal.path.with_suffix(".jsonl")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(ops) + "\n" for ops in records) + '[["step", ["x"')
    meta = MetadataStore(store.metadata.path)
    home = store.metadata.path.parent
    assert meta.db.write(lambda conn: replay_run(conn, home, str(run_id))) == 2
    assert _raw(store.metadata.path, "SELECT invocation_id, status FROM step_runs") == [
        ("a", "completed")
    ]
    meta.close()
    remove_journal(home, str(run_id))
    assert not path.exists()


def test_a_cache_entry_gives_back_the_records_of_its_artifacts(store: LocalStore) -> None:
    from flowplan.store import queries
    from flowplan.store.records import ArtifactRecord

    writer, _ = _writer(store)
    step = writer.start("a", "s", {})
    made = writer.finish(
        step, S.COMPLETED, artifacts=[_output(store, 41)], cache_key="k", code_hash="c"
    )
    writer.finish_run(S.COMPLETED)
    assert made is not None
    entries = store.metadata.db.read(lambda conn: queries.cache_index(conn, ["c"]))
    step_run, rows = entries["k"]
    assert step_run == str(step)
    hit = queries.outputs_of(rows)
    stored = store.metadata.db.read(
        lambda conn: [ArtifactRecord.from_row(r) for r in conn.execute("SELECT * FROM artifacts")]
    )
    assert hit == {"output": stored} and stored[0].id == made["output"].id
    assert stored[0].step_run_id == step and stored[0].content_hash == made["output"].content_hash


def test_a_committed_read_leaves_pending_records_pending(store: LocalStore) -> None:
    writer, _ = _writer(store)
    writer.start("s", "s", {})
    count = "SELECT COUNT(*) FROM step_runs"
    assert store.metadata.db.read_committed(lambda c: c.execute(count).fetchone()[0]) == 0
    assert store.metadata.db.read(lambda c: c.execute(count).fetchone()[0]) == 1  # committed
    writer.finish_run(S.STOPPED)


def test_the_records_a_writer_returns_are_the_records_read_back(store: LocalStore) -> None:
    """The writer builds its artifact records without the dataclass's ``__init__``: they
    must be the very records the store gives back, frozen like them."""
    import dataclasses

    from flowplan.store.records import ArtifactRecord

    writer, _ = _writer(store)
    step = writer.start("a", "s", {})
    made = writer.finish(step, S.COMPLETED, artifacts=[_output(store, [1, 2])])
    writer.finish_run(S.COMPLETED)
    assert made is not None
    (stored,) = store.metadata.db.read(
        lambda conn: [ArtifactRecord.from_row(r) for r in conn.execute("SELECT * FROM artifacts")]
    )
    record = made["output"]
    assert type(record) is ArtifactRecord
    assert record == stored and hash(record) == hash(stored) and repr(record) == repr(stored)
    assert dataclasses.asdict(record) == dataclasses.asdict(stored)
    with pytest.raises(dataclasses.FrozenInstanceError):
        record.version = 2  # type: ignore[misc]
    assert dataclasses.replace(record, version=2).version == 2


def test_a_cache_entry_of_several_outputs_gives_them_in_output_order(store: LocalStore) -> None:
    from flowplan.store import queries

    writer, _ = _writer(store)
    step = writer.start("a", "s", {})
    outputs = [_output(store, value)._replace(name=f"p::s::{name}", output_name=name)
               for name, value in (("z", 1), ("a", 2), ("m", 3))]  # fmt: skip
    writer.finish(step, S.COMPLETED, artifacts=outputs, cache_key="k", code_hash="c")
    writer.finish_run(S.COMPLETED)
    entries = store.metadata.db.read(lambda conn: queries.cache_index(conn, ["c"]))
    _, rows = entries["k"]
    assert [row[2] for row in rows] == ["a", "m", "z"]
    hit = queries.outputs_of(rows)
    assert list(hit) == ["a", "m", "z"]
    assert [hit[name][0].version for name in hit] == [1, 1, 1]
    assert [store.load_artifact(hit[name][0]) for name in hit] == [2, 3, 1]
