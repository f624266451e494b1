"""Frozen records returned by the metadata store (the ``Client`` builds its objects on them),
and the ids of the rows a run adds (:func:`new_id`).

Times are timezone-aware UTC datetimes; JSON columns come back parsed.
"""

from __future__ import annotations

import itertools
import json
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any
from uuid import UUID, SafeUUID

from flowplan.enums import ExecutionStatus

if TYPE_CHECKING:
    import sqlite3  # (rows' type only: a worker process, which reads no rows, never loads it)


def to_datetime(stamp: float | None) -> datetime | None:
    return None if stamp is None else datetime.fromtimestamp(stamp, tz=timezone.utc)


def _uuid(value: str | None) -> UUID | None:
    return record_id(value) if value else None


class RecordId(UUID):
    """A :class:`~uuid.UUID` that keeps its text (a record names its ids again and again:
    each statement that refers to it); it compares, hashes, pickles and copies as a plain
    one."""

    __slots__ = ("_text",)
    _text: str

    def __init__(self, value: int, text: str | None = None) -> None:
        # ``value``: a valid 128-bit number; ``text``: its canonical text, when known
        _SET_INT(self, value)
        _SET_SAFE(self, _UNKNOWN)
        if text is not None:
            _SET_TEXT(self, text)

    def __str__(self) -> str:
        try:
            return self._text
        except AttributeError:
            text = UUID.__str__(self)
            _SET_TEXT(self, text)
            return text

    def __repr__(self) -> str:
        return f"UUID('{self}')"

    def __reduce__(self) -> tuple[type[UUID], tuple[str]]:
        return UUID, (str(self),)


# The slots of an id, set past UUID's immutability (``object.__setattr__`` looks each up)
_SET_INT: Callable[[UUID, int], None] = UUID.__dict__["int"].__set__
_SET_SAFE: Callable[[UUID, SafeUUID], None] = UUID.__dict__["is_safe"].__set__
_SET_TEXT: Callable[[RecordId, str], None] = RecordId.__dict__["_text"].__set__
_UNKNOWN = SafeUUID.unknown
_new = object.__new__


def known_id(value: int, text: str) -> RecordId:
    """``RecordId(value, text)``, for a ``value`` and its canonical ``text`` known to be
    valid (the ids a run writer makes, and those its rows hold), made in fewer calls."""
    made: RecordId = _new(RecordId)
    _SET_INT(made, value)
    _SET_SAFE(made, _UNKNOWN)
    _SET_TEXT(made, text)
    return made


def new_id(now: float | None = None) -> UUID:
    """A time-ordered UUID (version 7: 48 bits of Unix milliseconds, then 74 other bits), so
    that the rows a run adds -- keyed by these ids in their tables and indexes -- land at the
    end of each B-tree: a group's commit writes a few pages instead of one page per row,
    however many rows the store already holds.  Its other bits are the process's: 26 random
    bits drawn once, then a counter started at a random 47-bit number (RFC 9562's monotonic
    random method), so ids a process makes ascend even within a millisecond, and making one
    costs an increment and the text of its last 12 digits; a forked child draws its own.
    ``now``: the caller's ``time.time()`` reading, if it has one.  The id keeps its text (a
    record names it several times)."""
    millis = time.time_ns() // 1_000_000 if now is None else int(now * 1000)
    low = next(_counter) & _LOW
    head = _head
    if head[0] != millis:  # (the ids of a millisecond share their first 24 digits' text)
        head = _made_head(millis)
    return known_id(head[1] | low, f"{head[2]}{low:012x}")


_LOW = (1 << 48) - 1


def _made_head(millis: int) -> tuple[int, int, str]:
    """The millisecond, and the id's bits but the counter's, as a number and as text."""
    global _head
    value = millis << 80 | _random_bits
    digits = f"{value >> 48:020x}"
    _head = head = (millis, value, f"{digits[:8]}-{digits[8:12]}-{digits[12:16]}-{digits[16:]}-")
    return head


def _draw() -> None:
    """This process's random bits: 26 beside the version (7) and the RFC 4122 variant, and
    the counter's start."""
    global _random_bits, _counter, _head
    drawn = int.from_bytes(os.urandom(10), "big")
    _random_bits = 0x7 << 76 | (drawn >> 68 & 0xFFF) << 64 | 0x2 << 62 | (drawn & 0x3FFF) << 48
    _counter = itertools.count(drawn >> 20 & (_LOW >> 1))
    _head = (-1, 0, "")


_random_bits = 0
_counter = itertools.count()
_head: tuple[int, int, str] = (-1, 0, "")
_draw()


def _after_fork_in_child() -> None:
    _draw()  # the parent's: a child makes ids of its own


os.register_at_fork(after_in_child=_after_fork_in_child)


def record_id(text: str) -> UUID:
    """The id a row holds as text (``UUID(text)``, cheaper for the canonical spelling that
    flowplan writes)."""
    if len(text) == 36 and text[8] == text[13] == text[18] == text[23] == "-":
        digits = text.replace("-", "")
        if len(digits) == 32 and digits.isalnum() and (digits.islower() or digits.isdigit()):
            try:
                return known_id(int(digits, 16), text)
            except ValueError:  # not hexadecimal
                pass
    return UUID(text)


def required_datetime(stamp: float) -> datetime:
    return datetime.fromtimestamp(stamp, tz=timezone.utc)


@dataclass(frozen=True)
class ArtifactRecord:
    """One stored artifact version, as its row holds it."""

    id: UUID
    name: str
    version: int
    uri: str
    content_hash: str
    data_type: str
    materializer: str
    step_run_id: UUID | None
    output_name: str | None
    created: datetime

    @classmethod
    def recorded(
        cls,
        id: UUID,
        name: str,
        version: int,
        uri: str,
        content_hash: str,
        data_type: str,
        materializer: str,
        step_run_id: UUID | None,
        output_name: str | None,
        created: datetime,
    ) -> ArtifactRecord:
        """The record ``ArtifactRecord(...)`` makes, built in one step instead of a frozen
        assignment per field (a run writer makes one for each new output of every step)."""
        record = object.__new__(cls)
        record.__dict__.update(
            id=id, name=name, version=version, uri=uri, content_hash=content_hash,
            data_type=data_type, materializer=materializer, step_run_id=step_run_id,
            output_name=output_name, created=created,
        )  # fmt: skip
        return record

    @classmethod
    def from_columns(cls, values: Sequence[Any]) -> ArtifactRecord:
        """From the artifact's columns in the order of this record's fields (a query that
        names them so; cheaper than looking each up by name)."""
        id_, name, version, uri, content_hash, data_type, materializer, step_run, output, made = (
            values
        )
        return cls(record_id(id_), name, version, uri, content_hash, data_type, materializer,
                   _uuid(step_run), output, required_datetime(made))  # fmt: skip

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> ArtifactRecord:
        return cls(
            id=record_id(row["id"]),
            name=row["name"],
            version=row["version"],
            uri=row["uri"],
            content_hash=row["content_hash"],
            data_type=row["data_type"],
            materializer=row["materializer"],
            step_run_id=_uuid(row["step_run_id"]),
            output_name=row["output_name"],
            created=required_datetime(row["created"]),
        )


@dataclass(frozen=True)
class AttemptRecord:
    """One attempt of a step run, as recorded."""

    number: int
    started: datetime
    ended: datetime | None
    error: str | None


@dataclass(frozen=True)
class RunRecord:
    """One pipeline run, as its row holds it."""

    id: UUID
    name: str
    pipeline: str
    status: ExecutionStatus
    parameters: dict[str, Any]
    plan: str | None  # the compiled plan's JSON text
    config: dict[str, Any]
    created: datetime
    started: datetime | None
    ended: datetime | None
    unlisted: bool
    warnings: tuple[Any, ...]
    pid: int | None
    snapshot_id: UUID | None = None  # the snapshot it was triggered from

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> RunRecord:
        return cls(
            id=record_id(row["id"]),
            name=row["name"],
            pipeline=row["pipeline"],
            status=ExecutionStatus(row["status"]),
            parameters=json.loads(row["parameters"]),
            plan=row["plan_text"],
            config=json.loads(row["config"]),
            created=required_datetime(row["created"]),
            started=to_datetime(row["started"]),
            ended=to_datetime(row["ended"]),
            unlisted=bool(row["unlisted"]),
            warnings=tuple(json.loads(row["warnings"])),
            pid=row["pid"],
            snapshot_id=UUID(row["snapshot_id"]) if row["snapshot_id"] else None,
        )


@dataclass(frozen=True)
class StepRunRecord:
    """One step run, as its row holds it."""

    id: UUID
    run_id: UUID
    invocation_id: str
    step_name: str
    status: ExecutionStatus
    cache_key: str | None
    started: datetime | None
    ended: datetime | None
    parameters: dict[str, Any]
    config: dict[str, Any]
    stdout: str | None
    stderr: str | None
    error: str | None
    position: int
    outputs: Mapping[str, tuple[ArtifactRecord, ...]] = field(default_factory=dict)
    inputs: Mapping[str, tuple[ArtifactRecord, ...]] = field(default_factory=dict)
    attempts: tuple[AttemptRecord, ...] = ()
    orchestrator: str | None = None  # `local` or `dask` (None: recorded before schema v3)
    worker: str | None = None  # the Dask worker's address
    original_step_run_id: UUID | None = None  # the step run a cached step reused

    @classmethod
    def from_row(
        cls,
        row: sqlite3.Row,
        outputs: Mapping[str, tuple[ArtifactRecord, ...]],
        inputs: Mapping[str, tuple[ArtifactRecord, ...]],
        attempts: tuple[AttemptRecord, ...],
    ) -> StepRunRecord:
        return cls(
            id=record_id(row["id"]),
            run_id=UUID(row["run_id"]),
            invocation_id=row["invocation_id"],
            step_name=row["step_name"],
            status=ExecutionStatus(row["status"]),
            cache_key=row["cache_key"],
            started=to_datetime(row["started"]),
            ended=to_datetime(row["ended"]),
            parameters=json.loads(row["parameters"]),
            config=json.loads(row["config"]),
            stdout=row["stdout"],
            stderr=row["stderr"],
            error=row["error"],
            position=row["position"],
            outputs=outputs,
            inputs=inputs,
            attempts=attempts,
            orchestrator=row["orchestrator"],
            worker=row["worker"],
            original_step_run_id=_uuid(row["original_step_run_id"]),
        )


@dataclass(frozen=True)
class SnapshotRecord:
    """One snapshot: a compiled plan and where its code lives."""

    id: UUID
    name: str
    pipeline: str
    plan: str  # the compiled plan's JSON text
    module: str | None
    path: str | None
    description: str | None
    created: datetime

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> SnapshotRecord:
        return cls(
            id=record_id(row["id"]),
            name=row["name"],
            pipeline=row["pipeline"],
            plan=row["plan"],
            module=row["module"],
            path=row["path"],
            description=row["description"],
            created=required_datetime(row["created"]),
        )
