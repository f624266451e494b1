"""A per-step timeout (step option, or the orchestrator's ``step_timeout``): the step fails
with FP522, its worker process is killed under process isolation, and the run goes on as its
execution mode says."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from flowplan import RunFailedError, pipeline, step
from flowplan.diagnostics import CompileError


@step(enable_cache=False, timeout=1.0)
def hangs(folder: str) -> None:
    Path(folder, "hangs.pid").write_text(str(os.getpid()))
    time.sleep(60)
    Path(folder, "hangs.done").write_text("late")


@step(enable_cache=False)
def sleeps_a_while(folder: str) -> None:
    time.sleep(60)


@step(enable_cache=False)
def quick(folder: str) -> int:
    return 1


@pipeline
def timing(folder: str) -> None:
    hangs(folder=folder)
    quick(folder=folder)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().split()[2] != "Z"
    except OSError:
        return True


@pytest.mark.slow
@pytest.mark.parametrize("isolation", ["thread", "process"])
def test_a_step_past_its_timeout_fails_and_the_run_goes_on(isolation: str, tmp_path: Path) -> None:
    configured = timing.with_options(settings={"orchestrator": {"isolation": isolation}})
    started = time.monotonic()
    with pytest.raises(RunFailedError) as info:
        configured(folder=str(tmp_path))
    assert time.monotonic() - started < 20
    steps = info.value.run.steps
    assert steps["hangs"].status.value == "failed"
    assert "FP522" in (steps["hangs"].error or "")
    assert steps["quick"].status.value == "completed"
    if isolation == "process":
        pid = int((tmp_path / "hangs.pid").read_text())
        assert pid != os.getpid()
        deadline = time.monotonic() + 10
        while alive(pid):
            assert time.monotonic() < deadline, "the timed-out worker is still running"
            time.sleep(0.05)


@pytest.mark.slow
def test_the_orchestrator_setting_limits_every_step(tmp_path: Path) -> None:
    @pipeline(settings={"orchestrator": {"step_timeout": 0.5, "isolation": "process"}})
    def limited(folder: str) -> None:
        sleeps_a_while(folder=folder)

    started = time.monotonic()
    with pytest.raises(RunFailedError) as info:
        limited(folder=str(tmp_path))
    assert time.monotonic() - started < 20
    assert "FP522" in (info.value.run.steps["sleeps_a_while"].error or "")


def test_a_timeout_that_is_not_a_positive_number_is_refused() -> None:
    with pytest.raises(CompileError) as info:
        quick.with_options(timeout=-1)
    assert info.value.code == "FP132"
    with pytest.raises(CompileError):
        timing.with_options(settings={"orchestrator": {"step_timeout": 0}}).compile(folder="x")
