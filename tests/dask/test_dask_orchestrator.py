"""The Dask orchestrator against a real LocalCluster with worker processes (see conftest):
steps run in the workers, in parallel, with code the workers cannot import by name; caching,
retries and artifacts behave as with the local orchestrator."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from flowplan import Client, ExecutionStatus, RunFailedError, StepRetryConfig, pipeline, step
from flowplan.diagnostics import ConfigError
from flowplan.executor import dask_backend, dask_batches
from flowplan.executor.dask_worker import module_origins
from tests.conftest import load_fixture
from tests.dask.helpers import on_cluster

S = ExecutionStatus


class Span(BaseModel):  # a type of this module, which the workers cannot import
    pid: int
    started: float
    ended: float


@step(enable_cache=False)
def where(i: int) -> Span:
    started = time.time()
    time.sleep(0.5)
    return Span(pid=os.getpid(), started=started, ended=time.time())


@step(enable_cache=False)
def gather(spans: list[Span]) -> list[int]:
    assert all(isinstance(s, Span) for s in spans), [type(s) for s in spans]
    return [s.pid for s in spans]


@pipeline(enable_cache=False)
def fan_out(width: int = 4) -> None:
    gather([where(i) for i in range(width)])


def test_workers_cannot_import_this_module(dask_client: Any) -> None:
    answers = dask_client.run(module_origins, [__name__, "flowplan.executor.runner"])
    assert len(answers) == 2
    for found in answers.values():
        assert found[__name__] is None  # so the steps below travel by value
        assert found["flowplan.executor.runner"] is not None


def test_fan_out_runs_in_parallel_on_worker_processes(dask_address: str) -> None:
    run = fan_out.with_options(settings=on_cluster(dask_address))()
    assert run.status is S.COMPLETED
    spans = [run.steps[name].output.load() for name in ("where", "where_2", "where_3", "where_4")]
    pids = {span.pid for span in spans}
    assert os.getpid() not in pids and len(pids) >= 2
    assert sorted(run.steps["gather"].output.load()) == sorted(s.pid for s in spans)
    first_end = min(s.ended for s in spans)
    assert sum(s.started < first_end for s in spans) >= 2  # some ran at the same time


@step(enable_cache=False)
def tiny(i: int) -> int:
    return i + 1


@pipeline(enable_cache=False)
def wide(width: int = 300) -> None:
    for i in range(width):
        tiny(i)


def test_steps_ready_together_share_few_tasks_and_no_driver_threads(
    dask_address: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from distributed import Client as DaskClient

    from flowplan.executor import driver

    tasks: list[int] = []
    original = DaskClient.map

    def spying(self: Any, func: Any, *iterables: Any, **kwargs: Any) -> Any:
        tasks.append(len(kwargs["key"]))
        return original(self, func, *iterables, **kwargs)

    def no_thread(self: Any, task: Any) -> None:
        raise AssertionError(f"step {task.invocation.id} got a thread of its own")

    monkeypatch.setattr(DaskClient, "map", spying)
    monkeypatch.setattr(driver.StepThreads, "submit", no_thread)
    run = wide.with_options(settings=on_cluster(dask_address))()
    assert run.status is S.COMPLETED
    assert len(run.steps) == 300 and run.steps["tiny_300"].output.load() == 300
    assert all(s.worker for s in Client().get_pipeline_run(run.id).steps.values())
    # Recorded 256 at a time (driver.HAND_OVER), handed over as they come, several steps
    # to a task while each of the cluster's 4 threads gets 4 tasks or more.
    assert len(tasks) <= 4 and sum(tasks) <= 300 // 2


@step(enable_cache=False, retry=StepRetryConfig(max_retries=1, delay=0.0))
def sometimes(i: int, marker_dir: str) -> int:
    marker = Path(marker_dir) / f"tried-{i}"
    if i == 5:
        raise ValueError("step 5 always fails")
    if i == 7 and not marker.exists():
        marker.write_text("once")
        raise RuntimeError("step 7 fails once")
    return i


@pipeline(enable_cache=False)
def many_sometimes(marker_dir: str) -> None:
    for i in range(64):
        sometimes(i, marker_dir)


def test_steps_sharing_a_task_keep_their_own_results_retries_and_failures(
    dask_address: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bundles: list[int] = []
    original = dask_batches.bundle_payload

    def counting(parcels: list[Any]) -> bytes:
        bundles.append(len(parcels))
        return original(parcels)

    monkeypatch.setattr(dask_batches, "bundle_payload", counting)
    with pytest.raises(RunFailedError) as info:
        many_sometimes.with_options(settings=on_cluster(dask_address))(marker_dir=str(tmp_path))
    run = info.value.run
    assert bundles and max(bundles) > 1  # steps did share tasks
    assert run.status is S.FAILED
    steps = Client().get_pipeline_run(run.id).steps
    failed = steps["sometimes_6"]  # i == 5
    assert failed.status is S.FAILED and "step 5 always fails" in (failed.error or "")
    assert len(failed.attempts) == 2  # its retry, on the worker
    retried = steps["sometimes_8"]  # i == 7
    assert retried.status is S.COMPLETED and retried.output.load() == 7
    assert [a.error is None for a in retried.attempts] == [False, True]
    others = [s for name, s in steps.items() if name not in ("sometimes_6", "sometimes_8")]
    assert len(others) == 62 and all(s.status is S.COMPLETED for s in others)
    assert all(len(s.attempts) == 1 for s in others)


@step
def numbers(n: int) -> list[int]:
    return list(range(n))


@step
def total(values: list[int]) -> int:
    return sum(values)


@pipeline
def summing(n: int = 10) -> None:
    total(numbers(n))


def test_caching_behaves_as_locally(dask_address: str) -> None:
    local = summing()  # the local orchestrator fills the cache ...
    assert [s.status for s in local.steps.values()] == [S.COMPLETED, S.COMPLETED]
    on_dask = summing.with_options(settings=on_cluster(dask_address))
    cached = on_dask()  # ... which the Dask run uses
    assert [s.status for s in cached.steps.values()] == [S.CACHED, S.CACHED]
    assert cached.steps["total"].output.load() == 45
    fresh = on_dask(n=5)
    assert [s.status for s in fresh.steps.values()] == [S.COMPLETED, S.COMPLETED]
    assert fresh.steps["total"].output.load() == 10
    again = on_dask(n=5)
    assert [s.status for s in again.steps.values()] == [S.CACHED, S.CACHED]
    assert again.steps["total"].output.id == fresh.steps["total"].output.id


@step
def made_here() -> Span:
    return Span(pid=os.getpid(), started=0.0, ended=1.0)


@step(enable_cache=False)
def read_span(span: Span) -> int:
    assert isinstance(span, Span), type(span)
    return span.pid


@pipeline
def local_then_dask() -> None:
    read_span(made_here())


def test_a_type_the_workers_cannot_import_loads_by_its_annotation(dask_address: str) -> None:
    local = local_then_dask()  # stored as JSON, its type named by this module's path
    made = local.steps["made_here"].output
    assert made.materializer.endswith("JsonMaterializer")
    run = local_then_dask.with_options(settings=on_cluster(dask_address))()
    assert run.steps["made_here"].status is S.CACHED
    assert run.steps["read_span"].output.load() == os.getpid()  # read on a worker


@step(enable_cache=False, retry=StepRetryConfig(max_retries=2, delay=0.1))
def flaky(marker_dir: str) -> int:
    marker = Path(marker_dir) / "attempts"
    attempts = int(marker.read_text()) + 1 if marker.exists() else 1
    marker.write_text(str(attempts))
    print(f"attempt {attempts} in {os.getpid()}")
    if attempts < 3:
        raise RuntimeError(f"attempt {attempts} fails")
    return attempts


@pipeline(enable_cache=False)
def retrying(marker_dir: str) -> None:
    flaky(marker_dir)


def test_retries_and_logs_happen_on_the_worker(dask_address: str, tmp_path: Path) -> None:
    run = retrying.with_options(settings=on_cluster(dask_address))(marker_dir=str(tmp_path))
    flaky_run = run.steps["flaky"]
    assert flaky_run.status is S.COMPLETED and flaky_run.output.load() == 3
    assert "attempt 3 in" in flaky_run.logs["stdout"]
    assert str(os.getpid()) not in flaky_run.logs["stdout"]


def test_a_module_loaded_by_file_path_runs_there(dask_address: str) -> None:
    basics = load_fixture("seeds/basics.py")
    run = basics.simple_ml_pipeline.with_options(settings=on_cluster(dask_address))()
    assert run.status is S.COMPLETED
    assert "Feature sum is 21" in run.steps["train_model"].logs["stdout"]


def test_artifacts_go_to_an_fsspec_url(
    dask_address: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, isolated_home: Path
) -> None:
    shared = tmp_path / "bucket"
    monkeypatch.setenv("FLOWPLAN_ARTIFACT_URL", shared.as_uri() + "/flowplan")
    on_dask = summing.with_options(settings=on_cluster(dask_address))
    run = on_dask(n=7)
    output = run.steps["total"].output
    assert output.uri.startswith(f"{shared.as_uri()}/flowplan/")
    assert output.load() == 21
    files = [p for p in (shared / "flowplan").rglob("*") if p.is_file()]
    markers = [p for p in files if p.parent.name == ".flowplan-stores"]
    assert [p.name for p in markers] == [(isolated_home / "store.id").read_text().strip()]
    files = [p for p in files if p not in markers]
    assert len(files) == 2 and not any(p.name.startswith(".tmp-") for p in files)
    assert not (isolated_home / "artifacts").exists()  # nothing went to the local folder
    monkeypatch.delenv("FLOWPLAN_ARTIFACT_URL")  # records know where their files are
    assert Client().get_pipeline_run(run.name).steps["total"].output.load() == 21
    again = on_dask(n=7)
    assert [s.status for s in again.steps.values()] == [S.CACHED, S.CACHED]


def test_a_missing_dask_install_is_a_diagnostic(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed fails
    with pytest.raises(ConfigError) as info:
        summing.with_options(settings=on_cluster("tcp://127.0.0.1:1"))()
    assert info.value.code == "FP304"
    assert "pip install 'flowplan[dask]'" in str(info.value)


def test_an_unreachable_scheduler_is_a_diagnostic(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("distributed", reason="the Dask orchestrator needs flowplan[dask]")
    monkeypatch.setattr(dask_backend, "CONNECT_TIMEOUT", 1)
    with pytest.raises(ConfigError) as info:
        summing.with_options(settings=on_cluster("tcp://127.0.0.1:9"))()
    assert info.value.code == "FP304"
    assert "cannot connect to the Dask scheduler at `tcp://127.0.0.1:9`" in str(info.value)

