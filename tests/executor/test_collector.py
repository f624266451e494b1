"""The cyclic garbage collector during large runs (flowplan.executor.collector): what the
process held before is left out of the run's collections; the run's garbage is collected
when it ends; garbage made between runs is not kept for ever."""

from __future__ import annotations

import gc
import threading
import weakref
from collections.abc import Iterator
from pathlib import Path

import pytest

from flowplan import pipeline, step
from flowplan.executor import collector
from flowplan.executor.collector import COLLECT_EVERY, FROM_STEPS, heap_set_aside
from flowplan.executor.driver import Driver


class Node:
    def __init__(self) -> None:
        self.me = self  # a reference cycle: only the collector frees it


@pytest.fixture
def no_automatic_collections() -> Iterator[None]:
    """Collections happen only when asked for (so the test sees what the code does)."""
    thresholds = gc.get_threshold()
    gc.collect()
    gc.set_threshold(10**9, 10**9, 10**9)
    collector._Aside.since_full = 0
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.collect()


def test_a_large_run_freezes_what_was_there_and_collects_what_it_left(
    no_automatic_collections: None,
) -> None:
    with heap_set_aside(FROM_STEPS):
        assert gc.get_freeze_count() > 0  # the process's objects: out of the collections
        inside = weakref.ref(Node())  # the run's garbage
        assert inside() is not None
    assert inside() is None  # collected as the run ended
    assert gc.get_freeze_count() == 0  # everything handed back


def test_small_runs_leave_the_collector_alone(no_automatic_collections: None) -> None:
    with heap_set_aside(FROM_STEPS - 1):
        assert gc.get_freeze_count() == 0
        inside = weakref.ref(Node())
    assert inside() is not None  # left to the collector, as any garbage


def test_runs_at_once_unfreeze_when_the_last_ends(no_automatic_collections: None) -> None:
    with heap_set_aside(FROM_STEPS):
        with heap_set_aside(FROM_STEPS):
            pass
        assert gc.get_freeze_count() > 0
    assert gc.get_freeze_count() == 0


def test_garbage_made_between_large_runs_is_collected_within_a_few(
    no_automatic_collections: None,
) -> None:
    between = weakref.ref(Node())
    for _ in range(COLLECT_EVERY):
        with heap_set_aside(FROM_STEPS):
            pass
    assert between() is not None  # frozen by each run, never collected by them
    with heap_set_aside(FROM_STEPS):
        pass
    assert between() is None  # the full collection before this one found it


@step(enable_cache=False)
def double(x: int) -> int:
    return 2 * x


@pipeline(enable_cache=False)
def doubling() -> None:
    double(double(1))
    double(2)


def test_a_run_leaves_no_cycle_through_its_driver(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, no_automatic_collections: None
) -> None:
    """A run's driver (its plan, books, results) is freed as the run returns, not at some
    later full collection."""
    monkeypatch.setenv("FLOWPLAN_HOME", str(tmp_path / "home"))
    drivers: list[weakref.ref[Driver]] = []
    original = Driver.run

    def run(self: Driver) -> None:
        drivers.append(weakref.ref(self))
        original(self)

    monkeypatch.setattr(Driver, "run", run)
    before = set(threading.enumerate())
    doubling()
    for thread in set(threading.enumerate()) - before:  # its step threads, ending now
        if thread.name == "flowplan-step":
            thread.join(10)
    assert len(drivers) == 1 and drivers[0]() is None
