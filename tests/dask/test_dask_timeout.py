"""A per-step timeout on the Dask orchestrator: past it the step fails with FP522 at its
deadline (kept on the worker, so time queued on the cluster does not count), the task frees
its worker slot, nothing the step does after the deadline happens, and the run goes on as its
execution mode says -- as under local isolation."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from flowplan import ExecutionMode, RunFailedError, pipeline, step
from tests.dask.helpers import on_cluster

pytest.importorskip("distributed", reason="the Dask orchestrator needs flowplan[dask]")

HANG = 4.0  # seconds the hung step sleeps in one C call (its timeout is 1 s)


@step(enable_cache=False, timeout=1)
def hangs(folder: str) -> int:
    Path(folder, "hangs.started").write_text(str(time.time()))
    time.sleep(HANG)
    Path(folder, "hangs.late").write_text("ran past its deadline")
    return 1


@step(enable_cache=False)
def after_hang(value: int) -> int:
    return value


@step(enable_cache=False)
def independent(folder: str) -> int:
    return 2


@step(enable_cache=False)
def sleeps(folder: str) -> None:
    Path(folder, "sleeps.started").write_text(str(time.time()))
    time.sleep(HANG)
    Path(folder, "sleeps.late").write_text("ran past its deadline")


@step(enable_cache=False, timeout=0.5)
def spins(folder: str) -> None:
    beats = Path(folder, "spins.beats")
    while True:  # Python code that never ends by itself
        with beats.open("a") as out:
            out.write(".")
        time.sleep(0.01)


@pipeline
def spinning(folder: str) -> None:
    spins(folder)


@pipeline
def stuck(folder: str) -> None:
    after_hang(hangs(folder))
    independent(folder)


@pipeline
def limited(folder: str) -> None:
    sleeps(folder)


@pytest.mark.slow
def test_a_step_past_its_timeout_fails_at_its_deadline_and_the_run_goes_on(
    dask_address: str, tmp_path: Path
) -> None:
    configured = stuck.with_options(settings=on_cluster(dask_address))
    with pytest.raises(RunFailedError) as info:
        configured(folder=str(tmp_path))
    returned = time.time()
    steps = info.value.run.steps
    assert steps["hangs"].status.value == "failed"
    assert "FP522" in (steps["hangs"].error or "")
    assert steps["hangs"].worker and steps["hangs"].orchestrator == "dask"
    assert steps["independent"].status.value == "completed"
    assert steps["after_hang"].status.value == "skipped"
    started = float((tmp_path / "hangs.started").read_text())
    assert returned - started < HANG  # the deadline ended the step, not its own end
    time.sleep(HANG - (time.time() - started) + 1.0)
    assert not (tmp_path / "hangs.late").exists()  # stopped when its sleep returned


@pytest.mark.slow
def test_the_orchestrator_setting_and_fail_fast_apply_on_the_cluster(
    dask_address: str, tmp_path: Path
) -> None:
    configured = limited.with_options(
        execution_mode=ExecutionMode.FAIL_FAST,
        settings=on_cluster(dask_address, step_timeout=0.5),
    )
    with pytest.raises(RunFailedError) as info:
        configured(folder=str(tmp_path))
    returned = time.time()
    assert "FP522" in (info.value.run.steps["sleeps"].error or "")
    started = float((tmp_path / "sleeps.started").read_text())
    assert returned - started < HANG  # the deadline ended the step, not its own end
    time.sleep(HANG - (time.time() - started) + 1.0)
    assert not (tmp_path / "sleeps.late").exists()


@pytest.mark.slow
def test_a_step_spinning_forever_in_python_is_stopped_on_its_worker(
    dask_address: str, tmp_path: Path
) -> None:
    """The worker is not left busy: the step's thread ends at the deadline (its heartbeats
    stop), not only the task that waited for it."""
    with pytest.raises(RunFailedError) as info:
        spinning.with_options(settings=on_cluster(dask_address))(folder=str(tmp_path))
    assert "FP522" in (info.value.run.steps["spins"].error or "")
    beats = tmp_path / "spins.beats"
    time.sleep(0.5)
    seen = beats.stat().st_size
    assert seen > 0
    time.sleep(1.0)
    assert beats.stat().st_size == seen  # no heartbeat since: the thread has ended
