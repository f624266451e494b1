"""A real cluster as it fails and as users configure it: a lost scheduler is one FP555, an
empty cluster is waited for with a message and a timeout, ``dask_address`` on one step is
refused, resources map to worker resources, the dashboard link is shown, and the number of
steps in flight follows the cluster's threads."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from flowplan import Client, pipeline, step
from flowplan.config import ResourceSettings
from flowplan.diagnostics import CompileError, ConfigError, FlowplanError
from tests.dask.cli_cluster import CliCluster
from tests.dask.helpers import on_cluster

pytest.importorskip("distributed", reason="the Dask orchestrator needs flowplan[dask]")
pytestmark = pytest.mark.slow


@step(enable_cache=False)
def nap(folder: str, i: int, seconds: float) -> int:
    (Path(folder) / f"started-{i}").write_text(str(os.getpid()))
    time.sleep(seconds)
    return i


@step(enable_cache=False)
def add(values: list[int]) -> int:
    return sum(values)


@pipeline(enable_cache=False)
def naps(folder: str, width: int = 3, seconds: float = 30.0) -> None:
    add([nap(folder, i, seconds) for i in range(width)])


def test_a_lost_scheduler_is_one_diagnostic(own_cluster: CliCluster, tmp_path: Path) -> None:
    own_cluster.add_worker("worker", threads=3)
    own_cluster.wait_for_workers(1)

    def kill_when_started() -> None:
        deadline = time.monotonic() + 60
        while len(list(tmp_path.glob("started-*"))) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        own_cluster.stop("scheduler")

    killer = threading.Thread(target=kill_when_started)
    killer.start()
    started = time.monotonic()
    with pytest.raises(FlowplanError) as info:
        naps.with_options(settings=on_cluster(own_cluster.address))(folder=str(tmp_path))
    killer.join()
    assert time.monotonic() - started < 30  # long before the naps would have ended
    assert info.value.code == "FP555"
    assert f"the connection to the Dask scheduler at `{own_cluster.address}` was lost" in str(
        info.value
    )
    assert "cancelled by the cluster" not in str(info.value)
    [run] = Client().list_pipeline_runs()
    assert run.status.value == "failed"
    statuses = {name: s.status.value for name, s in run.steps.items()}
    assert statuses == {"nap": "stopped", "nap_2": "stopped", "nap_3": "stopped", "add": "skipped"}
    assert all("connection to the Dask scheduler" in (run.steps[n].error or "") for n in statuses
               if n != "add")


def test_an_empty_cluster_is_waited_for_then_refused(
    own_cluster: CliCluster, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("FLOWPLAN_DASK_WORKER_TIMEOUT", "1.5")
    started = time.monotonic()
    with pytest.raises(FlowplanError) as info:
        naps.with_options(settings=on_cluster(own_cluster.address))(folder=str(tmp_path))
    assert info.value.code == "FP556"
    assert time.monotonic() - started < 15
    out = capsys.readouterr().out
    assert f"The Dask scheduler at {own_cluster.address} has no workers: waiting up to 1.5 s" in out
    assert "Dask dashboard" not in out  # this scheduler serves none


def test_a_worker_that_joins_while_the_run_waits_runs_it(
    own_cluster: CliCluster, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    joiner = threading.Timer(1.0, lambda: own_cluster.add_worker("late", threads=3))
    joiner.start()
    run = naps.with_options(settings=on_cluster(own_cluster.address))(
        folder=str(tmp_path), seconds=0.0
    )
    joiner.join()
    assert run.steps["add"].output.load() == 3
    assert "has no workers: waiting up to 60 s" in capsys.readouterr().out


def test_the_dashboard_link_is_shown(
    dask_address: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    naps.with_options(settings=on_cluster(dask_address))(folder=str(tmp_path), seconds=0.0)
    lines = [x for x in capsys.readouterr().out.splitlines() if x.startswith("Dask dashboard:")]
    assert len(lines) == 1 and lines[0].startswith("Dask dashboard: http://127.0.0.1:")
    assert lines[0].endswith("/status")


@step(enable_cache=False, settings={"orchestrator": {"dask_address": "tcp://elsewhere:8786"}})
def elsewhere() -> int:
    return 1


@pipeline(enable_cache=False)
def sends_a_step_elsewhere() -> None:
    elsewhere()


def test_dask_address_on_a_single_step_is_refused() -> None:
    with pytest.raises(CompileError) as info:
        sends_a_step_elsewhere()
    assert [d.code for d in info.value.diagnostics] == ["FP332"]
    assert "step `elsewhere`" in str(info.value)


@step(enable_cache=False, settings={"resources": ResourceSettings(gpu_count=1, memory="1KB")})
def on_a_gpu() -> str:
    from distributed import get_worker

    return str(get_worker().name)


@step(enable_cache=False, settings={"resources": {"gpu_count": 2}})
def on_two_gpus() -> int:
    return 2


@pipeline(enable_cache=False)
def wants_a_gpu(width: int = 3) -> None:
    for _ in range(width):
        on_a_gpu()


@pipeline(enable_cache=False)
def wants_two_gpus() -> None:
    on_two_gpus()


def test_resources_become_worker_resources(dask_address: str, tmp_path: Path) -> None:
    run = wants_a_gpu.with_options(settings=on_cluster(dask_address))()
    assert {s.output.load() for s in run.steps.values()} == {"worker-a"}  # the GPU=1 worker
    with pytest.raises(ConfigError) as info:
        wants_two_gpus.with_options(settings=on_cluster(dask_address))()
    assert info.value.code == "FP559"
    assert "`on_two_gpus` needs GPU=2" in str(info.value) and "GPU=1" in str(info.value)


def test_bad_resources_are_a_compile_error() -> None:
    @step(settings={"resources": {"memory": "lots", "cpus": 2}})
    def greedy() -> None: ...

    @pipeline
    def greedy_pipeline() -> None:
        greedy()

    with pytest.raises(CompileError) as info:
        greedy_pipeline()
    messages = [d.message for d in info.value.diagnostics]
    assert {d.code for d in info.value.diagnostics} == {"FP304"}
    assert any("unknown key `cpus`" in m for m in messages)
    assert any("`memory` must be a size" in m for m in messages)


def test_steps_in_flight_follow_the_cluster(dask_address: str) -> None:
    from flowplan.executor import dask_backend
    from flowplan.executor.dask_backend import DaskBackend
    from flowplan.executor.dask_target import DaskTarget
    from flowplan.store.local import LocalStore

    backend = DaskBackend(LocalStore.open(), DaskTarget(dask_address, 1), wants_a_gpu.compile())
    with backend.session():
        threads = sum(backend.client.nthreads().values())
        assert threads == 4 and backend.capacity() == dask_backend.MIN_IN_FLIGHT
        backend.threads = 3000  # as many as a 3000-thread cluster has
        assert backend.capacity() == 6000


