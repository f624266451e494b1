"""One run's step records, written the cheap way: journaled at once, committed in groups.

Each record -- a step starting, served from the cache, finishing, stopped or never started --
joins the pending group.  The records not yet journaled are appended to the run's journal
(:mod:`flowplan.store.journal`) in one ``write`` before a step runs (:meth:`RunWriter.
journal_pending`: the driver calls it before it runs a step or waits for one) and before
a group's transaction begins, so a ``kill -9`` while a step runs, or while a commit waits
for another writer, loses no record.  A group is committed in one transaction, after the
new artifact files it refers to are made durable:

* when it is ``window`` seconds old (the process's commit clock, one thread for every run,
  closes it while the driver waits on a long step, so other readers see ``running`` steps
  within that time);
* when the run ends (with the run's own end, in the same transaction);
* on a failure, and while a step with hooks runs (a hook or alerter sees everything that
  was recorded before it);
* before this process reads the database (a step asking the ``Client`` about its run), and
  before the driver hands a step to another process.

A step that starts and ends within one group is inserted once, already finished, with where
it ran and the step run it reused (no statement per step updates its row).  Positions
(start order) and the next version of each artifact name are counted here, so no statement
reads the earlier rows of its run.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any
from uuid import UUID

from flowplan.enums import ExecutionStatus
from flowplan.store.catalog import dumps, this_host
from flowplan.store.db import MetadataStore, NewArtifact
from flowplan.store.journal import ORDER, STATEMENTS, Journal, Op, journal_path
from flowplan.store.queries import Links, end_run
from flowplan.store.records import ArtifactRecord, new_id, required_datetime

S = ExecutionStatus
BATCH_WINDOW = 0.05  # seconds a group stays open at most (other readers see it after that)
_UNFINISHED = ("running", "initializing")
Attempts = Sequence[tuple[int, float, float | None, str | None]]


class RunWriter:
    """Records the steps of run ``run_id``; only the run's driver thread calls it."""

    def __init__(
        self,
        metadata: MetadataStore,
        run_id: UUID,
        *,
        versions: Mapping[str, int] | None = None,
        sync_files: Callable[[], None] = lambda: None,
        window: float | None = None,
    ) -> None:
        self.metadata = metadata
        self.run_id = str(run_id)
        self.window = BATCH_WINDOW if window is None else window
        self.journal = Journal(journal_path(metadata.path.parent, self.run_id))
        self._versions = dict(versions or {})
        self._sync_files = sync_files
        self._position = 0
        self._finished: set[str] = set()
        self._eager = 0  # steps with hooks running: every record is committed at once
        self._first = False  # the run just started: commit with the next record
        self._pending: list[Op] = []
        self._unjournaled: list[Sequence[Op]] = []  # records of the group not in the journal
        self._opened: float | None = None  # when the pending group got its first record
        self._opened_at = 0.0  # the same moment, as a record's time.time() reading
        self._lock = threading.Lock()
        self._committing = threading.Lock()  # one group's transaction at a time, in order
        self._closed = False
        metadata.db.hold(self)

    # -- records ---------------------------------------------------------------------------
    def run_started(self, pid: int) -> None:
        """The run is ``running`` in process ``pid`` of this host: committed with the first
        step's start, so a reader that sees the run running sees that step."""
        self._first = True
        now = time.time()
        self._record([("run", (pid, this_host(), now, self.run_id))], now)

    def start(
        self,
        invocation_id: str,
        step_name: str,
        parameters: Mapping[str, Any],
        cache_key: str | None = None,
        *,
        inputs: Links | None = None,
        status: ExecutionStatus = S.RUNNING,
        outputs: Links | None = None,
        orchestrator: str | None = None,
        original: str | None = None,
    ) -> UUID:
        """A step run in start order: ``running``, ``cached`` (with the ``outputs`` it
        reuses), or one that never started (``skipped``); ``orchestrator`` runs it."""
        now = time.time()
        step_run = new_id(now)
        owner = str(step_run)
        started = now if status in (S.RUNNING, S.CACHED) else None
        ended = now if status is S.CACHED else None
        row = (owner, self.run_id, invocation_id, step_name, status._value_, cache_key, started,
               ended, dumps(parameters) if parameters else "{}", "{}", None, None, None,
               self._position, orchestrator, None, original or None)  # fmt: skip
        self._position += 1
        ops: list[Op] = [("started", row)]
        if inputs:
            ops += _links("input", owner, inputs)
        if outputs:
            ops += _links("output", owner, outputs)
        if status.is_finished:
            self._finished.add(owner)
        self._record(ops, now)
        return step_run

    def finish(
        self,
        step_run: UUID,
        status: ExecutionStatus,
        *,
        attempts: Attempts = (),
        artifacts: Sequence[NewArtifact] = (),
        cache_key: str | None = None,
        code_hash: str | None = None,
        stdout: str | None = None,
        stderr: str | None = None,
        error: str | None = None,
        worker: str | None = None,
    ) -> dict[str, ArtifactRecord] | None:
        """A step's end, attempts and new output artifacts; a ``completed`` step with a
        ``cache_key`` joins the cache (DESIGN decision 13: in the same transaction);
        ``worker``: the Dask worker that ran it.

        Returns the artifact records by output name, or None (nothing recorded) when the step
        had already finished (the late result of a step the run stopped)."""
        owner = str(step_run)
        if owner in self._finished:
            return None
        self._finished.add(owner)
        now = time.time()
        ops: list[Op] = [("end", (status._value_, now, stdout, stderr, error, cache_key, owner))]
        if worker is not None:
            ops.append(("placed", (None, worker, owner)))
        ops += [("attempt", (owner, *attempt)) for attempt in attempts]
        records = {}
        created = required_datetime(now)
        for new in artifacts:
            version = self._versions.get(new.name, 0) + 1
            self._versions[new.name] = version
            artifact_id = new_id(now)
            ops.append(("artifact", (str(artifact_id), new.name, version, new.uri,
                        new.content_hash, new.data_type, new.materializer, owner,
                        new.output_name, now)))  # fmt: skip
            ops.append(("output", (owner, new.output_name, 0, str(artifact_id))))
            records[new.output_name] = ArtifactRecord.recorded(
                artifact_id, new.name, version, new.uri, new.content_hash, new.data_type,
                new.materializer, step_run, new.output_name, created,
            )  # fmt: skip
        if cache_key is not None and status is S.COMPLETED:
            ops.append(("cache", (cache_key, owner, now, code_hash)))
        self._record(ops, now, urgent=status is S.FAILED)
        return records

    def stop(self, step_run: UUID, reason: str) -> None:
        """A running step the run stopped (FAIL_FAST)."""
        self.finish(step_run, S.STOPPED, error=reason)

    # -- hooks -----------------------------------------------------------------------------
    def hooks_started(self) -> None:
        """A step with hooks is about to run: commit now, and every record until it ends."""
        self._eager += 1
        self.flush()

    def hooks_ended(self) -> None:
        self._eager -= 1

    # -- groups ----------------------------------------------------------------------------
    def _record(self, ops: list[Op], now: float, *, urgent: bool = False) -> None:
        """Add ``ops`` (made at ``now``, a ``time.time()`` reading: one clock read serves a
        record, as clock reads cost a microsecond on some virtual machines) to the group."""
        with self._lock:
            self._pending += ops
            self._unjournaled.append(ops)
            if self._opened is None:
                self._opened, self._opened_at = time.monotonic(), now
                if not self._closed:
                    _CLOCK.watch(self, self._opened + self.window)
            due = urgent or self._eager > 0 or now - self._opened_at >= self.window
        if due or (self._first and ops[0][0] != "run"):
            self._first = False
            self.flush()

    def flush(self) -> None:
        """Commit the pending group now."""
        self._commit(None)

    def journal_pending(self) -> None:
        """Append the records not yet journaled to the journal, in one write (before a step
        runs: a ``kill -9`` meanwhile then loses none of them)."""
        with self._lock:
            records, self._unjournaled = self._unjournaled, []
        if records:
            self.journal.append(records)

    def finish_run(self, status: ExecutionStatus, warnings: Sequence[Any] = ()) -> None:
        """Commit what is pending and the run's end in one transaction; steps still running
        become ``stopped``.  The journal is removed: everything in it is committed."""
        with self._lock:
            self._closed = True
        _CLOCK.forget(self)
        self._commit((status, warnings))
        self.metadata.db.release(self)
        self.journal.close(remove=True)

    def _commit(self, run_end: tuple[ExecutionStatus, Sequence[Any]] | None) -> None:
        with self._committing:
            with self._lock:
                ops, self._pending, self._opened = self._pending, [], None
            if not ops and run_end is None:
                return
            self.journal_pending()  # the transaction may wait for another writer
            if any(name == "artifact" for name, _ in ops):
                self._sync_files()
            statements = _grouped(ops)

            def write(conn: Any) -> None:
                for name in ORDER:
                    if statements[name]:
                        _execute(conn, name, statements[name])
                if run_end is not None:
                    end_run(conn, self.run_id, run_end[0].value, dumps(list(run_end[1])))

            try:
                self.metadata.db.write(write)
            except BaseException:
                with self._lock:  # keep the group for the next attempt
                    self._pending[:0] = ops
                    if self._opened is None:
                        self._opened, self._opened_at = time.monotonic(), time.time()
                raise

    def _tick(self) -> None:
        """Commit the pending group if it is ``window`` old (called by :data:`_CLOCK` while
        the driver is busy elsewhere)."""
        with self._lock:
            if self._closed or self._opened is None:
                return
            due = self._opened + self.window
        if time.monotonic() < due:  # a younger group, opened since the clock was set
            _CLOCK.watch(self, due)
            return
        try:
            self.flush()
        except Exception:  # the driver's next commit retries it and reports
            _CLOCK.watch(self, time.monotonic() + self.window)


class _Clock:
    """The one thread of a process that closes every run writer's group when it is
    ``window`` old.  Shared, and kept for the life of the process: a thread of its own per
    run would open a database connection of its own (and read the pages a commit touches
    anew) in every run."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._due: dict[RunWriter, float] = {}  # writer -> when its group is due
        self._thread: threading.Thread | None = None

    def watch(self, writer: RunWriter, when: float) -> None:
        """Call ``writer._tick()`` at ``when`` (a ``time.monotonic()`` reading)."""
        with self._lock:
            self._due[writer] = when
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="flowplan-commit", daemon=True
                )
                self._thread.start()
            self._wake.notify()

    def forget(self, writer: RunWriter) -> None:
        with self._lock:
            self._due.pop(writer, None)

    def _run(self) -> None:
        while True:
            with self._lock:
                while True:
                    now = time.monotonic()
                    ready = [w for w, when in self._due.items() if when <= now]
                    if ready:
                        for writer in ready:
                            del self._due[writer]
                        break
                    soonest = min(self._due.values(), default=None)
                    self._wake.wait(None if soonest is None else soonest - now)
            for writer in ready:
                writer._tick()


_CLOCK = _Clock()


def _after_fork_in_child() -> None:
    global _CLOCK
    _CLOCK = _Clock()  # a forked child has no clock thread: its first group starts one


os.register_at_fork(after_in_child=_after_fork_in_child)


def _links(kind: str, owner: str, links: Links) -> list[Op]:
    return [
        (kind, (owner, name, position, str(artifact_id)))
        for name, artifact_ids in links.items()
        for position, artifact_id in enumerate(artifact_ids)
    ]


_ORCHESTRATOR, _WORKER = 14, 15  # in a ``started`` row

# Link and attempt rows, which a group sends many at a time, go several to a statement
# (``INSERT ... VALUES (...), (...)``): SQLite opens the table's cursors and looks up the
# parent rows' tables once for them all instead of once a row.  One size of statement (the
# rest row by row), so each is prepared once per connection and kept in the module's
# statement cache; a step row's statement is not among them: wide, it costs more to prepare
# than a process with a few runs saves with it.
_ROWS_AT_ONCE = 16
_AT_ONCE = {
    name: "{} VALUES {}".format(head, ", ".join([values] * _ROWS_AT_ONCE))
    for name in ("attempt", "output", "input")
    for head, values in [STATEMENTS[name].split(" VALUES ")]
}


def _execute(conn: Any, name: str, rows: list[Sequence[Any]]) -> None:
    """Run statement ``name`` once for each of ``rows``."""
    at = 0
    at_once = _AT_ONCE.get(name)
    if at_once is not None:
        while len(rows) - at >= _ROWS_AT_ONCE:
            conn.execute(at_once, [value for row in rows[at : at + _ROWS_AT_ONCE] for value in row])
            at += _ROWS_AT_ONCE
    if at < len(rows):
        conn.executemany(STATEMENTS[name], rows[at:])


def _grouped(ops: Sequence[Op]) -> dict[str, list[Sequence[Any]]]:
    """The group's parameters by statement; a step's end and the worker that ran it fold into
    its row when the row is inserted by the same group."""
    statements: dict[str, list[Sequence[Any]]] = {name: [] for name in ORDER}
    rows: dict[str, list[Any]] = {}
    for name, params in ops:
        if name == "started":
            rows[params[0]] = row = [*params]
            statements[name].append(row)
        elif name == "end" and params[6] in rows and rows[params[6]][4] in _UNFINISHED:
            row = rows[params[6]]
            row[4], row[7], row[10], row[11], row[12] = params[:5]
            row[5] = params[5] if params[5] is not None else row[5]
        elif name == "placed" and params[2] in rows:
            row = rows[params[2]]
            row[_ORCHESTRATOR] = params[0] if params[0] is not None else row[_ORCHESTRATOR]
            row[_WORKER] = params[1] if params[1] is not None else row[_WORKER]
        else:
            statements[name].append(params)
    return statements
