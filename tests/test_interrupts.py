"""Stopping a step in its thread: only in the step's own code, once, never inside the store."""

from __future__ import annotations

import random
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from flowplan.interrupts import (
    StepStopped,
    StepThreadRegistry,
    deferred_stops,
    stoppable_steps,
    user_code,
)
from flowplan.store.connection import Database


def spin(seconds: float, until: Callable[[], bool] = lambda: False) -> None:
    """Run Python (where a stop can land) for ``seconds`` or until ``until()``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not until():
        pass


def in_step_thread(registry: StepThreadRegistry, body: Callable[[], None]) -> list[str]:
    """Run ``body`` as the user code of step ``s`` in a thread; what happened, in order."""
    events: list[str] = []

    def run() -> None:
        with stoppable_steps(registry, "s"):
            try:
                with user_code:
                    body()
                events.append("returned")
            except StepStopped:
                events.append("stopped")

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(10)
    assert not thread.is_alive()
    return events


def test_a_stop_asked_inside_a_deferred_section_lands_at_its_end() -> None:
    registry = StepThreadRegistry()
    inside, asked = threading.Event(), threading.Event()
    log: list[str] = []

    def body() -> None:
        with deferred_stops:
            inside.set()
            spin(5, asked.is_set)
            spin(0.05)  # plenty of bytecodes where an undeferred stop would land
            log.append("section ended")
        log.append("after the section")  # never reached: the stop is raised at the end

    def stopper() -> None:
        inside.wait(5)
        registry.stop({"s"}, StepStopped)
        asked.set()

    threading.Thread(target=stopper, daemon=True).start()
    assert in_step_thread(registry, body) == ["stopped"]
    assert log == ["section ended"]


def test_one_stop_is_sent_however_often_it_is_asked() -> None:
    registry = StepThreadRegistry()
    ready, caught = threading.Event(), threading.Event()
    received: list[str] = []

    def body() -> None:
        try:
            ready.set()
            spin(5)
        except StepStopped:
            received.append("first")
            caught.set()
        try:
            spin(0.3)  # the stop is asked twice more meanwhile: nothing else lands
        except StepStopped:
            received.append("second")

    def stopper() -> None:
        ready.wait(5)
        registry.stop({"s"}, StepStopped)
        caught.wait(5)
        registry.stop({"s"}, StepStopped)
        registry.stop(["s"], StepStopped)

    threading.Thread(target=stopper, daemon=True).start()
    assert in_step_thread(registry, body) == ["returned"]
    assert received == ["first"]


def test_a_step_that_is_asked_to_stop_before_its_code_runs_never_runs_it() -> None:
    registry = StepThreadRegistry()
    registry.stop({"s"}, StepStopped)
    ran: list[bool] = []
    assert in_step_thread(registry, lambda: ran.append(True)) == ["stopped"]
    assert ran == []


def test_outside_a_step_a_deferred_section_costs_nothing_and_raises_nothing() -> None:
    with deferred_stops, deferred_stops:
        value = 1
    assert value == 1


class SlowWriter:
    """A run writer with records pending: a read of its database commits them first."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.batches = 0

    def flush(self) -> None:
        def write(conn: sqlite3.Connection) -> None:
            for i in range(200):  # a long transaction: a stop landing in it is likely
                conn.execute("INSERT INTO items (batch, n) VALUES (?, ?)", (self.batches, i))

        self.db.write(write)
        self.batches += 1


@pytest.mark.parametrize("seed", range(12))
def test_a_step_stopped_while_it_reads_the_store_leaves_no_transaction_open(
    tmp_path: Path, seed: int
) -> None:
    """FAIL_FAST under thread isolation used to stop a sibling inside the ``Client``'s read,
    while it committed the run's pending records for the driver: the store stayed locked
    (FP515 for the rest of the run) or the records were lost."""
    db = Database(tmp_path / "store.db", migrations=())
    db.write(lambda conn: conn.execute("CREATE TABLE items (batch INTEGER, n INTEGER)"))
    writer = SlowWriter(db)
    db.hold(writer)
    started = threading.Event()

    def body() -> None:
        started.set()
        while True:
            db.read(lambda conn: conn.execute("SELECT count(*) FROM items").fetchone())

    registry = StepThreadRegistry()

    def stopper() -> None:
        started.wait(5)
        time.sleep(random.Random(seed).uniform(0.005, 0.05))
        registry.stop({"s"}, StepStopped)

    threading.Thread(target=stopper, daemon=True).start()
    try:
        assert in_step_thread(registry, body) == ["stopped"]
    finally:
        db.release(writer)
    other = Database(tmp_path / "store.db", migrations=(), busy_timeout=1.0)
    rows = other.write(lambda conn: conn.execute("SELECT count(*) FROM items").fetchone()[0])
    assert rows == 200 * writer.batches  # every flush committed whole, none half-done
