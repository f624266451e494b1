"""A step raising a ``BaseException`` that is not an ``Exception`` fails like any other step:
its failure hooks run and the call raises ``RunFailedError``."""

from __future__ import annotations

import pytest

from flowplan import RunFailedError, pipeline, step


class Abort(BaseException):
    pass


calls: list[str] = []


def step_hook(exception: BaseException) -> None:
    calls.append(f"step:{type(exception).__name__}")


def pipeline_hook(exception: BaseException) -> None:
    calls.append(f"pipeline:{type(exception).__name__}")


@step(on_failure=step_hook)
def aborts() -> None:
    raise Abort("out")


@step
def aborts_too() -> None:
    raise Abort("out")


@pipeline(on_failure=pipeline_hook)
def aborting() -> None:
    aborts()
    aborts_too()


@pytest.mark.parametrize("isolation", ["thread", "process"])
def test_base_exceptions_are_step_failures(isolation: str) -> None:
    calls.clear()
    configured = aborting.with_options(
        enable_cache=False, settings={"orchestrator": {"isolation": isolation}}
    )
    with pytest.raises(RunFailedError) as info:
        configured()
    steps = info.value.run.steps
    assert {steps[s].status.value for s in ("aborts", "aborts_too")} == {"failed"}
    assert "Abort: out" in (steps["aborts"].error or "")
    if isolation == "thread":  # hooks of a worker process run there
        assert sorted(calls) == ["pipeline:Abort", "step:Abort"]


def test_a_single_step_raising_a_base_exception_fails_as_a_run() -> None:
    with pytest.raises(RunFailedError):
        aborts_too()
