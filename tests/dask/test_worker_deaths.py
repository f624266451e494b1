"""A step that kills its Dask worker process honours its ``retry``: each death is one
recorded attempt (FP560), the failure hook runs once, and healthy steps -- beside it, or
sharing its worker process -- complete."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from flowplan import RunFailedError, StepRetryConfig, pipeline, step
from tests.dask.cli_cluster import CliCluster
from tests.dask.helpers import on_cluster

pytest.importorskip("distributed", reason="the Dask orchestrator needs flowplan[dask]")
pytestmark = pytest.mark.slow


def noted(error: BaseException) -> None:
    from flowplan import get_step_context

    folder = Path(get_step_context().step_run.config.parameters["folder"])
    (folder / "hook").write_text(type(error).__name__)


@step(enable_cache=False, retry=StepRetryConfig(max_retries=1), on_failure=noted)
def killer(folder: str, wait: float) -> int:
    runs = Path(folder) / "killer-runs"
    with runs.open("a") as log:
        log.write(f"{os.getpid()}\n")
    time.sleep(wait)
    os._exit(3)  # the worker process dies with the step


@step(enable_cache=False)
def healthy(folder: str, seconds: float) -> int:
    with (Path(folder) / "healthy-runs").open("a") as log:
        log.write(f"{os.getpid()}\n")
    time.sleep(seconds)
    return 7


@pipeline(enable_cache=False)
def deadly(folder: str, wait: float = 0.0, seconds: float = 1.0) -> None:
    healthy(folder, seconds)
    killer(folder, wait)


def test_a_step_that_kills_its_worker_uses_its_retries(
    own_cluster: CliCluster, tmp_path: Path
) -> None:
    for name in ("one", "two"):
        own_cluster.add_worker(name, threads=1)
    own_cluster.wait_for_workers(2)
    with pytest.raises(RunFailedError) as info:
        deadly.with_options(settings=on_cluster(own_cluster.address))(
            folder=str(tmp_path), wait=0.5, seconds=0.5
        )
    run = info.value.run
    assert run.steps["healthy"].status.value == "completed"
    assert run.steps["healthy"].output.load() == 7
    failed = run.steps["killer"]
    assert failed.status.value == "failed"
    assert len((tmp_path / "killer-runs").read_text().split()) == 2  # 1 + max_retries
    assert [a.number for a in failed.attempts] == [1, 2]
    assert all("FP560" in (a.error or "") and "died while it ran" in (a.error or "")
               for a in failed.attempts)
    assert "FP560" in (failed.error or "")
    assert (tmp_path / "hook").read_text() == "WorkerDied"  # once, after the retries


def test_a_healthy_step_sharing_the_worker_is_run_again_not_failed(
    own_cluster: CliCluster, tmp_path: Path
) -> None:
    own_cluster.add_worker("shared", threads=2)
    own_cluster.wait_for_workers(1)
    with pytest.raises(RunFailedError) as info:
        deadly.with_options(settings=on_cluster(own_cluster.address))(
            folder=str(tmp_path), wait=1.0, seconds=2.0
        )
    run = info.value.run
    assert run.steps["healthy"].status.value == "completed"
    # lost with it once, maybe twice (beside its retry): run again each time, never charged
    assert len((tmp_path / "healthy-runs").read_text().split()) in (2, 3)
    assert run.steps["healthy"].attempts[-1].error is None
    assert run.steps["killer"].status.value == "failed"
    killer_runs = len((tmp_path / "killer-runs").read_text().split())
    assert 2 <= killer_runs <= 3  # 1 + max_retries, and once more when the loss was shared
    assert len(run.steps["killer"].attempts) == 2
    assert (tmp_path / "hook").read_text() == "WorkerDied"
