"""SQLite connections for the metadata store: one per thread for reads, one per process for
writes, WAL, bounded waits.

* **WAL** lets readers run while one writer commits, across threads and processes.
* ``synchronous=NORMAL``: in WAL mode a commit is appended to the WAL file and the OS holds it,
  so a crash of the *application* (exception, ``kill -9``) never loses or corrupts a committed
  transaction; only a power failure or OS crash may roll back the last few commits, leaving a
  consistent older database.  That saves an fsync per commit (most of a write's cost).
* The WAL is copied back into the database by a thread of its own
  (:mod:`flowplan.store.checkpoints`), not inside a commit.
* A read goes through the process's write connection when no thread writes through it, else
  through a connection of the reading thread.  A connection keeps the pages it has read while
  only it commits: one that reads what another connection changed reads those pages again
  (some 70 per run), and each connection reads the schema when it opens.
* Every write is a short ``BEGIN IMMEDIATE`` transaction: the write lock is taken up front, so
  two writers never deadlock upgrading a read lock (the case SQLite cannot wait out).  The
  threads of a process write through one connection, one transaction at a time: a run's
  groups are committed by its driver or by the commit clock's thread, and a connection whose
  database another connection changed must read the pages it writes to again.
* Reads see this process's own writes: records that a run writer of this process holds in
  its pending group (:mod:`flowplan.store.run_writer`) are committed before any read of the
  same database (a step that asks the ``Client`` about its run finds what came before it).
* A step that calls the store (the ``Client``, which may commit its run's pending records
  first) is never stopped inside a transaction: a stop waits for its end
  (:mod:`flowplan.interrupts`).
* ``SQLITE_BUSY`` never reaches users: SQLite's busy handler waits, then we retry with
  jittered backoff, and after ``busy_timeout`` seconds in all raise ``FP515``.  Any other
  SQLite error becomes a :class:`StoreError` too (``FP901``, with the database's path).
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
import time
import urllib.parse
import weakref
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol, TypeVar

from flowplan.diagnostics import Diagnostic, StoreError
from flowplan.interrupts import deferred_stops
from flowplan.messages import internal, runtime
from flowplan.messages import store as store_messages
from flowplan.store import checkpoints
from flowplan.store.schema import MIGRATIONS, Migration, migrate

T = TypeVar("T")

_BUSY_CODES = (5, 6)  # SQLITE_BUSY, SQLITE_LOCKED (their extended codes share the low byte)


def _bind_none_directly() -> None:
    """Bind ``None`` as NULL without the sqlite3 module's search for an adapter.

    The module binds ``int``, ``float`` and ``str`` parameters as they are, but looks for an
    adapter of any other value: in its registry, then as ``PrepareProtocol.__adapt__`` (a
    failed attribute lookup that builds and drops an ``AttributeError``), then as the value's
    ``__conform__`` -- some 3,000 instructions for every ``None`` a statement binds, and a run
    binds several per step (a step's error, cache key, worker ...).  An adapter registered
    for ``NoneType`` ends the search at its first look: ``{}.get`` returns ``None`` for any
    value, so ``None`` still binds as NULL.  An adapter the program registered for
    ``NoneType`` itself is kept."""
    if (type(None), sqlite3.PrepareProtocol) not in sqlite3.adapters:
        nothing: dict[object, None] = {}
        null: Callable[[None], None] = nothing.get
        sqlite3.register_adapter(type(None), null)


_bind_none_directly()


class PendingWrites(Protocol):
    def flush(self) -> None: ...


# Run writers of this process with records not yet committed, by database file.
_PENDING: dict[str, weakref.WeakSet[PendingWrites]] = {}
_PENDING_LOCK = threading.Lock()


class Database:
    """A SQLite file shared by threads (a connection each) and processes (WAL + retries)."""

    def __init__(
        self,
        path: Path,
        *,
        busy_timeout: float = 30.0,
        migrations: Sequence[Migration] = MIGRATIONS,
        read_only: bool = False,
    ) -> None:
        self.path = Path(path)
        self.key = os.path.realpath(self.path)
        self.busy_timeout = busy_timeout
        self.read_only = read_only
        self._local = threading.local()
        self._lock = threading.Lock()
        self._writing = threading.RLock()  # the process's write connection, one at a time
        self._writing_pid = os.getpid()
        self._writer: _Connection | None = None
        # Weak, so a finished thread's connection is closed when its thread-local goes away.
        self._connections: weakref.WeakSet[_Connection] = weakref.WeakSet()
        if read_only:
            self.schema_version = self._check_read_only_schema(len(migrations))
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        _create_private(self.path)
        # Read first: a store already up to date (every open but its first) needs no write
        # transaction, nor waits for the write lock another process holds.
        version = self.read_committed(_schema_version)
        if version == len(migrations):
            self.schema_version = version
            return
        self.schema_version = self.write(lambda conn: migrate(conn, str(self.path), migrations))

    def _check_read_only_schema(self, latest: int) -> int:
        """A read-only store is read as it is: it must exist and need no migration."""
        if not self.path.is_file():
            raise StoreError(read_only_store(self.path, "it holds no runs to read, and none "
                                             "can be recorded"))
        version = self.read(_schema_version)
        if version != latest:
            raise StoreError(read_only_store(self.path, f"its schema (version {version}) "
                                             f"needs an upgrade to version {latest}, which "
                                             "cannot be written"))
        return version

    def connection(self) -> sqlite3.Connection:
        """This thread's connection (a new one after ``fork``)."""
        pid = os.getpid()
        conn: _Connection | None = getattr(self._local, "conn", None)
        if conn is None or conn.pid != pid:
            conn = self._retry(self._connect)
            self._local.conn = conn
            with self._lock:
                self._connections.add(conn)
        return conn

    def _write_connection(self) -> _Connection:
        """The connection this process writes through (a new one after ``fork``); call
        holding ``_writing``."""
        conn = self._writer
        if conn is None or conn.pid != os.getpid():
            conn = self._writer = self._retry(self._connect)
            with self._lock:
                self._connections.add(conn)
        return conn

    def _connect(self) -> _Connection:
        if self.read_only:
            return self._connect_read_only()
        conn = sqlite3.connect(
            self.path,
            timeout=self.busy_timeout,
            isolation_level=None,
            check_same_thread=False,
            factory=_Connection,
        )
        conn.pid = os.getpid()
        conn.row_factory = sqlite3.Row
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")  # durable against app crashes in WAL
            conn.execute("PRAGMA foreign_keys=ON")
        except BaseException:
            conn.close()
            raise
        return conn

    def _connect_read_only(self) -> _Connection:
        """Read a database whose folder cannot be written.  A WAL database needs its shared
        memory file, which a read-only folder may lack; the database is then read as an
        immutable file (what its last writer committed and checkpointed)."""
        uri = "file:" + urllib.parse.quote(str(self.path.resolve()))
        for flags in ("?mode=ro", "?immutable=1"):
            conn = sqlite3.connect(uri + flags, uri=True, timeout=self.busy_timeout,
                                   isolation_level=None, check_same_thread=False,
                                   factory=_Connection)
            try:
                conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            except sqlite3.OperationalError:
                conn.close()
                continue
            conn.pid = os.getpid()
            conn.row_factory = sqlite3.Row
            return conn
        raise StoreError(read_only_store(self.path, "its database cannot be opened for reading"))

    def write(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``work`` in one short write transaction, retried while the database is busy."""
        if self.read_only:
            raise StoreError(read_only_store(self.path, "nothing can be recorded there"))
        # A step calling the store: no stop lands in a transaction.
        with deferred_stops, self._writing_lock():
            conn = self._write_connection()
            result = self._retry(lambda: self._transaction("BEGIN IMMEDIATE", work, conn))
        checkpoints.CHECKPOINTS.committed(self.key, self.busy_timeout)
        return result

    def _writing_lock(self) -> threading.RLock:
        """``_writing``, made anew in a forked child (where another thread may have held it)."""
        if self._writing_pid != os.getpid():
            self._writing, self._writing_pid = threading.RLock(), os.getpid()
        return self._writing

    def read(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``work`` in one read transaction (a consistent snapshot), after this process's
        pending writes to the database are committed."""
        with deferred_stops:  # nor while it commits the run's pending records
            if _PENDING:
                with _PENDING_LOCK:
                    writers = list(_PENDING.get(self.key, ()))
                for writer in writers:
                    writer.flush()
            return self.read_committed(work)

    def read_committed(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """:meth:`read` without committing this process's pending records first (what they
        hold is not seen)."""
        with deferred_stops:
            writing = self._writing_lock()
            if writing.acquire(blocking=False):  # the write connection is free: read there
                try:
                    conn = self._write_connection()
                    if not conn.in_transaction:  # (not a read inside this thread's write)
                        return self._retry(lambda: self._transaction("BEGIN", work, conn))
                finally:
                    writing.release()
            return self._retry(lambda: self._transaction("BEGIN", work, self.connection()))

    def hold(self, writer: PendingWrites) -> None:
        """Register ``writer``, whose pending records reads must see (until ``release``)."""
        with _PENDING_LOCK:
            _PENDING.setdefault(self.key, weakref.WeakSet()).add(writer)

    def release(self, writer: PendingWrites) -> None:
        with _PENDING_LOCK:
            held = _PENDING.get(self.key)
            if held is not None:
                held.discard(writer)
                if not held:
                    del _PENDING[self.key]

    def _transaction(
        self, begin: str, work: Callable[[sqlite3.Connection], T], conn: sqlite3.Connection
    ) -> T:
        conn.execute(begin)
        try:
            result = work(conn)
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        return result

    def _retry(self, attempt: Callable[[], T]) -> T:
        deadline = time.monotonic() + self.busy_timeout
        delay = 0.002
        while True:
            try:
                return attempt()
            except sqlite3.OperationalError as exc:
                if not _is_busy(exc):
                    raise self._failure(exc) from exc
                if time.monotonic() >= deadline:
                    raise self._busy() from None
            except sqlite3.Error as exc:
                raise self._failure(exc) from exc
            import random  # only when the database is busy

            time.sleep(delay * random.uniform(0.5, 1.5))
            delay = min(delay * 2, 0.2)

    def _busy(self) -> StoreError:
        return StoreError(store_messages.store_busy(self.busy_timeout, str(self.path)))

    def _failure(self, exc: sqlite3.Error) -> StoreError:
        return StoreError(
            internal.database_failed(exc, str(self.path))
        )

    def close(self) -> None:
        """Close every connection this process opened (call when no thread uses the store)."""
        pid = os.getpid()
        with self._lock:
            mine = [conn for conn in self._connections if conn.pid == pid]
            self._connections = weakref.WeakSet()
        for conn in mine:
            conn.close()
        self._local = threading.local()
        self._writer = None


class _Connection(sqlite3.Connection):
    """A connection that can be weakly referenced and knows the process that opened it."""

    pid: int = 0


def _is_busy(exc: sqlite3.OperationalError) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)  # Python >= 3.11
    if code is not None:
        return (int(code) & 0xFF) in _BUSY_CODES
    text = str(exc).lower()
    return "locked" in text or "busy" in text


def read_only_store(path: Path, doing: str) -> Diagnostic:
    return runtime.store_read_only(str(path.parent), doing)


def _create_private(path: Path) -> None:
    """Create the database file readable by its owner only (SQLite gives its WAL and shared
    memory files the same permissions); an existing file is left as it is."""
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def _schema_version(conn: sqlite3.Connection) -> int:
    try:
        row = conn.execute("SELECT MAX(version) FROM schema_version").fetchone()
    except sqlite3.OperationalError:  # no such table: a database no flowplan has written
        return 0
    return int(row[0]) if row and row[0] is not None else 0
