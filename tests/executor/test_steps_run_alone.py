"""A step that runs alone in the driver's thread runs without registering its thread for
stops (nothing else could stop it); a step of a run that a step of an outer run calls still
does (its outer run's stops reach that thread)."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from flowplan import pipeline, step
from flowplan.client import Client
from flowplan.interrupts import StepThreadRegistry

ENTERED: list[str] = []


@pytest.fixture(autouse=True)
def home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("FLOWPLAN_HOME", str(tmp_path / "home"))
    original = StepThreadRegistry.enter

    def entering(self: StepThreadRegistry, step_id: str) -> None:
        ENTERED.append(step_id)
        original(self, step_id)

    monkeypatch.setattr(StepThreadRegistry, "enter", entering)
    ENTERED.clear()


THREADS: dict[str, int] = {}


@step
def first() -> int:
    THREADS["first"] = threading.get_ident()
    return 1


@step
def then(x: int) -> int:
    THREADS["then"] = threading.get_ident()
    return x + 1


@pipeline(enable_cache=False)
def chain() -> None:
    then(first())


def test_a_chain_runs_in_the_driver_thread_without_registering_it() -> None:
    chain()
    assert {"first": threading.get_ident(), "then": threading.get_ident()} == THREADS
    assert ENTERED == []
    run = Client().get_pipeline("chain").runs[0]
    assert run.status.value == "completed"


@step
def calls_the_chain() -> int:
    chain()
    return 0


@step
def beside() -> int:
    return 0


@pipeline(enable_cache=False)
def outer() -> None:
    calls_the_chain()
    beside()


def test_the_steps_of_a_run_called_by_a_step_of_another_register_their_thread(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("flowplan.executor.backends.default_workers", lambda: 2)
    outer()
    # the outer steps run beside each other (step threads); the inner chain runs alone in
    # the thread of ``calls_the_chain``, which the outer run may stop: registered
    assert sorted(ENTERED) == ["beside", "calls_the_chain", "first", "then"]
