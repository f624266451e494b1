"""WAL checkpoints off the committing thread.

A WAL database grows its ``-wal`` file with every commit; a *checkpoint* copies the committed
pages back into the database file and syncs both files.  SQLite runs one by itself in the
connection whose commit takes the WAL past 1,000 pages, inside that commit: a run's driver
(or a step recording its end) then waits for a copy of some thousand pages and two
``fsync`` calls -- tens of milliseconds on a virtual disk, every few runs.

Here one thread per process checkpoints instead, through a connection of its own, after every
:data:`COMMITS` commits this process made to a database (a run commits three or four times;
a long run once per group): before the database's own threshold in a process that keeps
running, so that a commit seldom runs one.  A process that commits fewer times (one run, then
exit) leaves the WAL to SQLite's own checkpoint, as before.  A checkpoint that cannot finish
(another process holds a reader on old pages, or is checkpointing) leaves the rest to the next
one.  Checkpoints are ``PASSIVE``: they never wait for readers or writers, and a commit never
waits for them.

The WAL's size is not read from its ``-shm`` index: a file that SQLite locks must not be
opened beside it (closing any descriptor of a file drops every ``fcntl`` lock the process
holds on it, SQLite's included -- another process could then take the index for its own).
"""

from __future__ import annotations

import os
import sqlite3
import threading
import urllib.parse

COMMITS = 8  # commits to a database between two checkpoints of it


class Checkpoints:
    """The process's checkpoint thread, for every database file it writes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._wanted: dict[str, float] = {}  # database path -> its busy timeout
        self._commits: dict[str, int] = {}  # database path -> commits since its checkpoint
        self._busy = False
        self._thread: threading.Thread | None = None

    def committed(self, path: str, busy_timeout: float) -> None:
        """A transaction was committed to ``path``: checkpoint it after :data:`COMMITS`."""
        with self._lock:
            count = self._commits.get(path, 0) + 1
            if count < COMMITS:
                self._commits[path] = count
                return
            self._commits.pop(path, None)
        self.request(path, busy_timeout)

    def request(self, path: str, busy_timeout: float) -> None:
        """Checkpoint ``path`` in the background (at once if the thread is idle)."""
        with self._lock:
            self._wanted[path] = busy_timeout
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="flowplan-checkpoint", daemon=True
                )
                self._thread.start()
            self._wake.notify()

    def wait_idle(self, timeout: float) -> bool:
        """Whether every requested checkpoint ended within ``timeout`` seconds."""
        with self._lock:
            return self._wake.wait_for(lambda: not self._wanted and not self._busy, timeout)

    def _run(self) -> None:
        while True:
            with self._lock:
                self._busy = False
                self._wake.notify_all()
                while not self._wanted:
                    self._wake.wait()
                path, busy_timeout = self._wanted.popitem()
                self._busy = True
            checkpoint(path, busy_timeout)


def checkpoint(path: str, busy_timeout: float) -> None:
    """A passive checkpoint of ``path``, through a connection of its own (opened for it: a
    checkpoint comes every few commits, and a process may write to many stores; opened to an
    existing file only: a store removed meanwhile is not made anew).  A database that cannot
    be checkpointed now is checkpointed by a later commit (SQLite's own threshold), where a
    real fault shows."""
    uri = "file:" + urllib.parse.quote(path) + "?mode=rw"
    try:
        conn = sqlite3.connect(uri, uri=True, timeout=busy_timeout, isolation_level=None)
    except sqlite3.Error:
        return
    try:
        conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
    except sqlite3.Error:
        pass
    finally:
        conn.close()


CHECKPOINTS = Checkpoints()


def _after_fork_in_child() -> None:
    global CHECKPOINTS
    CHECKPOINTS = Checkpoints()  # the parent's thread is not in the child


os.register_at_fork(after_in_child=_after_fork_in_child)
