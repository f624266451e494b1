"""What reads and commits cost: WAL checkpoints off the committing thread, None bound
without a search, one connection for a thread's reads and writes."""

from __future__ import annotations

import sqlite3
import urllib.parse
from pathlib import Path

import pytest

from flowplan.store import checkpoints
from flowplan.store.connection import Database


def _database_file_alone(path: Path) -> sqlite3.Connection:
    """The database file as it is on disk, without its WAL (what checkpoints copied back)."""
    uri = "file:" + urllib.parse.quote(str(path)) + "?immutable=1"
    return sqlite3.connect(uri, uri=True)


def _notes(db: Database, count: int) -> None:
    db.write(lambda c: c.execute("CREATE TABLE IF NOT EXISTS notes (n INTEGER, text TEXT)"))
    for n in range(count):
        db.write(lambda c, n=n: c.execute("INSERT INTO notes VALUES (?, ?)", (n, "x" * 2000)))


def _count(conn: sqlite3.Connection) -> int:
    """The rows of table ``t`` (the read the connection tests make)."""
    return int(conn.execute("SELECT count(*) FROM t").fetchone()[0])


def _stored_notes(path: Path) -> int:
    conn = _database_file_alone(path)
    try:
        return int(conn.execute("SELECT count(*) FROM notes").fetchone()[0])
    except sqlite3.OperationalError:  # the table is not in the file yet
        return 0
    finally:
        conn.close()


def test_the_wal_is_copied_back_by_the_thread_every_few_commits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(checkpoints, "COMMITS", 4)
    db = Database(tmp_path / "m.db", migrations=())
    try:
        _notes(db, 20)  # some 20 pages: far below SQLite's own threshold (1,000)
        assert checkpoints.CHECKPOINTS.wait_idle(10)
        # every 4th commit asked for a checkpoint: all but the last few commits are in the
        # database file itself
        assert _stored_notes(tmp_path / "m.db") >= 16
    finally:
        db.close()


def test_a_few_commits_are_left_to_sqlite(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(checkpoints, "COMMITS", 10_000)
    db = Database(tmp_path / "m.db", migrations=())
    try:
        _notes(db, 5)
        assert checkpoints.CHECKPOINTS.wait_idle(10)
        assert _stored_notes(tmp_path / "m.db") == 0  # still in the WAL only
        assert db.read(lambda c: c.execute("SELECT count(*) FROM notes").fetchone()[0]) == 5
    finally:
        db.close()


def test_a_database_that_cannot_be_checkpointed_leaves_the_thread_working(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A checkpoint that fails (here: no database at that path any more) is left to the
    database's own; the thread goes on serving the others."""
    monkeypatch.setattr(checkpoints, "COMMITS", 4)
    gone = tmp_path / "m-gone.db"
    checkpoints.CHECKPOINTS.request(str(gone), 1.0)
    assert checkpoints.CHECKPOINTS.wait_idle(10)
    assert not gone.exists()  # not made anew
    db = Database(tmp_path / "m.db", migrations=())
    try:
        _notes(db, 20)
        assert checkpoints.CHECKPOINTS.wait_idle(10)
        assert _stored_notes(tmp_path / "m.db") >= 16
    finally:
        db.close()


def test_none_binds_as_null_without_the_adapter_search(tmp_path: Path) -> None:
    """``None`` parameters end the sqlite3 module's adapter search at its first look (an
    adapter registered for ``NoneType``), and still bind as NULL."""
    import sqlite3 as module

    import flowplan.store.connection  # noqa: F401  (registers it)

    assert (type(None), module.PrepareProtocol) in module.adapters
    db = Database(tmp_path / "m.db", migrations=())
    try:
        db.write(lambda c: c.execute("CREATE TABLE t (a, b)"))
        db.write(lambda c: c.executemany("INSERT INTO t VALUES (?, ?)", [(None, 1), (2, None)]))
        rows = db.read(lambda c: c.execute("SELECT a IS NULL, b IS NULL FROM t").fetchall())
        assert [tuple(r) for r in rows] == [(1, 0), (0, 1)]
    finally:
        db.close()


def test_an_adapter_the_program_registered_for_none_is_kept() -> None:
    import subprocess
    import sys

    code = (
        "import sqlite3\n"
        "sqlite3.register_adapter(type(None), lambda v: 'none')\n"
        "import flowplan.store.connection\n"
        "c = sqlite3.connect(':memory:')\n"
        "print(c.execute('SELECT ?', (None,)).fetchone()[0])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "none"


def test_reads_and_writes_of_one_thread_share_the_write_connection(tmp_path: Path) -> None:
    """One connection: it reads the schema once, and keeps the pages it wrote for its reads."""
    db = Database(tmp_path / "m.db", migrations=())
    try:
        db.write(lambda c: c.execute("CREATE TABLE t (a)"))
        for n in range(3):
            db.write(lambda c, n=n: c.execute("INSERT INTO t VALUES (?)", (n,)))
            assert db.read(_count) == n + 1
        assert len(db._connections) == 1
    finally:
        db.close()


def test_a_read_while_another_thread_writes_does_not_wait_for_it(tmp_path: Path) -> None:
    import threading

    db = Database(tmp_path / "m.db", migrations=())
    try:
        db.write(lambda c: c.execute("CREATE TABLE t (a)"))
        inside, leave = threading.Event(), threading.Event()

        def slow_write(conn: sqlite3.Connection) -> None:
            conn.execute("INSERT INTO t VALUES (1)")
            inside.set()
            assert leave.wait(10)

        writer = threading.Thread(target=lambda: db.write(slow_write))
        writer.start()
        try:
            assert inside.wait(10)
            # the write connection is busy: the read goes through this thread's own
            assert db.read_committed(_count) == 0
        finally:
            leave.set()
            writer.join(10)
        assert db.read(_count) == 1
        assert len(db._connections) == 2
    finally:
        db.close()


def test_a_read_inside_a_write_of_the_same_thread_reads_beside_it(tmp_path: Path) -> None:
    db = Database(tmp_path / "m.db", migrations=())
    try:
        db.write(lambda c: c.execute("CREATE TABLE t (a)"))

        def write_then_read(conn: sqlite3.Connection) -> int:
            conn.execute("INSERT INTO t VALUES (1)")
            return db.read_committed(_count)

        assert db.write(write_then_read) == 0  # the write is not committed yet
    finally:
        db.close()


def test_another_process_opening_the_store_beside_this_one_reads_what_it_committed(
    tmp_path: Path,
) -> None:
    """Nothing here opens SQLite's files beside it (closing a descriptor of a file drops the
    process's locks on it: another process would then take its WAL index for its own)."""
    import subprocess
    import sys

    db = Database(tmp_path / "m.db", migrations=())
    try:
        db.write(lambda c: c.execute("CREATE TABLE t (a)"))
        for n in range(5):
            db.write(lambda c, n=n: c.execute("INSERT INTO t VALUES (?)", (n,)))
            # a process that opens the database now must find this one's hold on its WAL index
            code = (
                "import sqlite3, sys\n"
                "c = sqlite3.connect(sys.argv[1])\n"
                "print(c.execute('SELECT count(*) FROM t').fetchone()[0])\n"
            )
            out = subprocess.run([sys.executable, "-c", code, str(tmp_path / "m.db")],
                                 capture_output=True, text=True, check=True)
            assert out.stdout.strip() == str(n + 1)
            assert db.read(_count) == n + 1
    finally:
        db.close()
