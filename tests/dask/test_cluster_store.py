"""Artifacts on a real cluster land where the driver reads them, and the store's key stays
home: the store's identity is checked by every worker before any step runs, process-local
artifact stores are refused, the signing key is in no task, and pickles the workers write
are trusted through the digest the driver records."""

from __future__ import annotations

import os
import pickle
from pathlib import Path
from typing import Any

import pytest

from flowplan import Client, pipeline, step
from flowplan.diagnostics import ConfigError, StoreError
from flowplan.store import local as local_store
from tests.dask.helpers import on_cluster

pytest.importorskip("distributed", reason="the Dask orchestrator needs flowplan[dask]")
pytestmark = pytest.mark.slow


class Opaque:  # no annotation pydantic can serialise: stored with cloudpickle
    def __init__(self, pid: int) -> None:
        self.pid = pid


@step(enable_cache=False)
def touch(marker: str) -> int:
    Path(marker).write_text("ran")
    return os.getpid()


@pipeline(enable_cache=False)
def touching(marker: str) -> None:
    touch(marker)


@step(enable_cache=False)
def opaque() -> Opaque:
    return Opaque(os.getpid())


@step(enable_cache=False)
def unwrap(value: Opaque) -> int:
    return value.pid


@pipeline(enable_cache=False)
def pickles() -> None:
    unwrap(opaque())


def test_a_url_that_is_another_place_on_the_workers_is_refused_before_any_step(
    dask_address: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # /proc/self/cwd is the driver's folder here, and each worker's own folder there: the
    # same URL names different places, as a per-machine mount does.
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("FLOWPLAN_ARTIFACT_URL", "file:///proc/self/cwd/bucket")
    marker = tmp_path / "ran"
    with pytest.raises(ConfigError) as info:
        touching.with_options(settings=on_cluster(dask_address))(marker=str(marker))
    assert info.value.code == "FP557"
    message = str(info.value)
    assert "2 Dask worker(s) cannot write" in message and "lacks the store's marker" in message
    assert not marker.exists()  # no step ran


def test_a_store_folder_that_is_another_folder_on_the_workers_is_refused(
    dask_address: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cli_cluster: Any
) -> None:
    monkeypatch.chdir(tmp_path)
    # The driver's store is /proc/self/cwd/home = tmp_path/home; on the workers, the same
    # path is a folder of their own: missing on one, a stranger's store on the other.
    monkeypatch.setattr(local_store, "resolve_home", lambda: Path("/proc/self/cwd/home"))
    (cli_cluster.root / "worker-a" / "home" / "artifacts").mkdir(parents=True, exist_ok=True)
    marker = tmp_path / "ran"
    with pytest.raises(ConfigError) as info:
        touching.with_options(settings=on_cluster(dask_address))(marker=str(marker))
    assert info.value.code == "FP557"
    message = str(info.value)
    assert "does not exist on this worker" in message  # worker-b
    assert "is not the driver's store" in message  # worker-a
    assert not marker.exists()


def test_a_memory_artifact_store_is_refused_for_a_cluster(
    dask_address: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FLOWPLAN_ARTIFACT_URL", "memory://flowplan-test")
    marker = tmp_path / "ran"
    with pytest.raises(ConfigError) as info:
        touching.with_options(settings=on_cluster(dask_address))(marker=str(marker))
    assert info.value.code == "FP558"
    assert not marker.exists()


def test_the_signing_key_is_in_no_task_and_worker_pickles_are_digest_checked(
    dask_address: str, monkeypatch: pytest.MonkeyPatch, isolated_home: Path
) -> None:
    from distributed import Client as DaskClient

    sent: list[bytes] = []  # one per step: what the scheduler receives for it
    original = DaskClient.map

    def spying(self: Any, func: Any, *iterables: Any, **kwargs: Any) -> Any:
        import cloudpickle

        for args in zip(*iterables, strict=True):
            sent.append(cloudpickle.dumps((func, args, kwargs)))
        return original(self, func, *iterables, **kwargs)

    monkeypatch.setattr(DaskClient, "map", spying)
    key = local_store.LocalStore.open().pickle_key()  # the store has a key
    run = pickles.with_options(settings=on_cluster(dask_address))()
    key_hex = key.hex()
    assert len(sent) == 2
    for payload in sent:
        assert key not in payload and key_hex.encode() not in payload
    produced = run.steps["opaque"].output
    assert produced.materializer.endswith("CloudpickleMaterializer")
    data = Path(produced.uri).read_bytes()
    assert data.startswith(b"flowplan-pickle/1 python=") and b" digest-checked\n" in data[:80]
    assert run.steps["unwrap"].output.load() == produced.load().pid != os.getpid()
    # The pickle is trusted through its recorded digest: changed bytes are refused.
    Path(produced.uri).write_bytes(data + b".")
    with pytest.raises(StoreError) as info:
        Client().get_pipeline_run(run.name).steps["opaque"].output.load()
    assert info.value.code == "FP503"


def test_where_each_step_ran_is_recorded(dask_address: str, dask_client: Any) -> None:
    run = pickles.with_options(settings=on_cluster(dask_address))()
    workers = set(dask_client.scheduler_info()["workers"])
    for name in ("opaque", "unwrap"):
        recorded = Client().get_pipeline_run(run.id).steps[name]
        assert recorded.orchestrator == "dask"
        assert recorded.worker in workers
    local = pickles()
    assert {s.orchestrator for s in local.steps.values()} == {"local"}
    assert {s.worker for s in local.steps.values()} == {None}


def test_pickle_round_trip_is_unaffected_locally() -> None:
    run = pickles()
    assert isinstance(pickle.dumps(run.steps["unwrap"].output.load()), bytes)


def test_a_worker_makes_its_output_files_durable_in_the_background(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import time

    from flowplan.executor import dask_checks, dask_worker
    from flowplan.store import durable_files

    synced: list[str] = []
    monkeypatch.setattr(durable_files, "fsync", synced.append)
    location = dask_checks.artifact_location(local_store.LocalStore.open(tmp_path / "home"))
    files = dask_worker.artifact_io(location)
    saved = files.save_output(41, int, sync=False)  # as a step on a worker saves it
    deadline = time.monotonic() + 10
    while saved.uri not in synced and time.monotonic() < deadline:
        time.sleep(0.05)
    assert saved.uri in synced  # soon after, by the worker's background thread
