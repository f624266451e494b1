"""Seed 001's 8-step example on the Dask cluster, under each execution mode::

             ┌─► step_2 ──► step_5 ─┐
    step_1 ──┼─► step_3 ──► step_6 ─┼──► step_8
             └─► step_4 ──► step_7 ─┘

Steps 2, 3 and 4 meet at a rendezvous (so they run at once, on the workers); then step 2
fails.  Steps 3 and 4 end only once the driver has recorded that failure -- and, under
FAIL_FAST, once it has marked them stopped -- so the outcome does not depend on timing.  A
stopped step's success hook must not run.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from flowplan import Client, ExecutionMode, RunFailedError, get_step_context, pipeline, step
from flowplan.client import PipelineRun
from tests.dask.helpers import on_cluster

pytest.importorskip("distributed", reason="the Dask orchestrator needs flowplan[dask]")

M = ExecutionMode
BRANCHES = ("step_2", "step_3", "step_4")
TIMEOUT = 15.0
EXPECTED = {
    M.FAIL_FAST: ["completed", "failed", "stopped", "stopped"] + ["skipped"] * 4,
    M.STOP_ON_FAILURE: ["completed", "failed", "completed", "completed"] + ["skipped"] * 4,
    M.CONTINUE_ON_FAILURE: [
        *("completed", "failed", "completed", "completed"),
        *("skipped", "completed", "completed", "skipped"),
    ],
}


def wait_for(condition: object, what: str) -> None:
    deadline = time.monotonic() + TIMEOUT
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise TimeoutError(what)
        time.sleep(0.02)


def note_hook(step_name: str) -> None:
    folder = Path(get_step_context().step_run.config.parameters["sync_dir"])
    (folder / f"{step_name}.hook").write_text("ran")


@step(enable_cache=False)
def first() -> int:
    return 1


@step(enable_cache=False, on_success=note_hook)
def branch(x: int, sync_dir: str, home: str, fail_fast: bool) -> int:
    context = get_step_context()
    me = context.step_run.name
    folder = Path(sync_dir)
    (folder / f"{me}.pid").write_text(str(os.getpid()))
    (folder / f"{me}.started").write_text(str(time.time()))
    wait_for(lambda: all((folder / f"{b}.started").exists() for b in BRANCHES), "rendezvous")
    if me == "step_2":
        raise RuntimeError("step 2 fails")
    client = Client(home)

    def recorded() -> bool:
        steps = client.get_pipeline_run(context.pipeline_run.id).steps
        return steps["step_2"].status.value == "failed" and (
            not fail_fast or steps[me].status.value == "stopped"
        )

    wait_for(recorded, "the driver to record step_2's failure")
    (folder / f"{me}.ended").write_text(str(time.time()))
    return x


@step(enable_cache=False)
def middle(x: int) -> int:
    return x + 1


@step(enable_cache=False)
def last(a: int, b: int, c: int) -> int:
    return a + b + c


@pipeline
def eight_steps(sync_dir: str, home: str, fail_fast: bool) -> None:
    one = first(id="step_1")
    twos = [branch(one, sync_dir, home, fail_fast, id=name) for name in BRANCHES]
    fives = [middle(x, id=f"step_{i}") for i, x in zip((5, 6, 7), twos, strict=True)]
    last(*fives, id="step_8")


def statuses(run: PipelineRun) -> list[str]:
    return [run.steps[f"step_{i}"].status.value for i in range(1, 9)]


@pytest.mark.parametrize("mode", list(EXPECTED))
def test_the_documented_statuses(
    mode: ExecutionMode, dask_address: str, tmp_path: Path, isolated_home: Path
) -> None:
    configured = eight_steps.with_options(
        execution_mode=mode, settings=on_cluster(dask_address)
    )
    with pytest.raises(RunFailedError) as info:
        configured(sync_dir=str(tmp_path), home=str(isolated_home), fail_fast=mode is M.FAIL_FAST)
    run = info.value.run
    assert statuses(run) == EXPECTED[mode]
    assert run.status.value == "failed"
    pids = {(tmp_path / f"{b}.pid").read_text() for b in BRANCHES}
    assert str(os.getpid()) not in pids and len(pids) == 2  # both worker processes
    hooks = {b for b in BRANCHES if (tmp_path / f"{b}.hook").exists()}
    if mode is M.FAIL_FAST:
        assert "FAIL_FAST" in (run.steps["step_3"].error or "")
        for name in ("step_3", "step_4"):  # they ran to their end, stopped: no hook
            wait_for(lambda name=name: (tmp_path / f"{name}.ended").exists(), "the step's end")
        time.sleep(0.3)
        assert not {b for b in BRANCHES if (tmp_path / f"{b}.hook").exists()}
    else:
        assert hooks == {"step_3", "step_4"}
