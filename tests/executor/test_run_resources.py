"""What a run leaves behind in its process: no cyclic garbage (its objects are freed as soon
as it returns, not by a later pass of the collector), and no thread or database connection
of its own (the commit clock's thread and the write connection serve every run)."""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Iterator

import pytest

import flowplan.store.run_writer as run_writer
from flowplan import pipeline, step
from flowplan.store.connection import Database


@step
def add_one(x: int) -> int:
    return x + 1


@step
def slow_add_one(x: int) -> int:
    time.sleep(0.15)  # longer than the group window: the commit clock closes a group
    return x + 1


@pipeline(enable_cache=False)
def short_chain() -> None:
    value = add_one(x=0, id="s0")
    for i in range(1, 20):
        value = add_one(value, id=f"s{i}")


@pipeline(enable_cache=False)
def slow_chain() -> None:
    slow_add_one(slow_add_one(x=0))


@pytest.fixture
def short_window(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(run_writer, "BATCH_WINDOW", 0.05)
    yield


def _earlier_step_threads_ended(timeout: float = 10.0) -> None:
    """Wait for step threads that earlier tests stopped (a stopped step's thread may outlive
    its run until its step returns): what they leave as they end is not this run's."""
    deadline = time.monotonic() + timeout
    for thread in threading.enumerate():
        if thread.name.startswith("flowplan-step") and thread is not threading.current_thread():
            thread.join(max(0.0, deadline - time.monotonic()))


def test_a_finished_run_leaves_no_cyclic_garbage() -> None:
    short_chain()  # imports and caches filled
    _earlier_step_threads_ended()
    gc.collect()
    flags = gc.get_debug()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        short_chain()
        gc.collect()
        left = [type(x).__qualname__ for x in gc.garbage]
    finally:
        gc.set_debug(flags)
        gc.garbage.clear()
    assert left == []


def test_runs_share_the_commit_clock_and_the_write_connection(
    short_window: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    slow_chain()  # the first run opens what every later run uses
    opened: list[str] = []
    connect = Database._connect

    def counting(self: Database) -> object:
        opened.append(threading.current_thread().name)
        return connect(self)

    monkeypatch.setattr(Database, "_connect", counting)
    for _ in range(3):
        slow_chain()
    clocks = [t for t in threading.enumerate() if t.name == "flowplan-commit"]
    assert len(clocks) == 1
    assert opened == []
