"""One Dask cluster for the tests of this folder, started as a team runs one: ``dask
scheduler`` and two ``dask worker`` processes (two threads each, so the three branches of
seed 001's 8-step example run at once) from the command line on 127.0.0.1, each in a folder
of its own, with no ``PYTHONPATH``: the workers import flowplan (installed) but not the test
modules, whose steps must therefore travel by value.  Tests that need Dask are skipped only
when dask.distributed is not installed.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.dask.cli_cluster import CliCluster

NEEDS_DASK = "the Dask orchestrator needs flowplan[dask]"


@pytest.fixture(scope="package")
def cli_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CliCluster]:
    pytest.importorskip("distributed", reason=NEEDS_DASK)
    cluster = CliCluster(tmp_path_factory.mktemp("dask-cluster"), dashboard=True)
    try:
        cluster.add_worker("worker-a", resources="GPU=1 MEMORY=4e9")
        cluster.add_worker("worker-b")
        cluster.wait_for_workers(2)
        yield cluster
    finally:
        cluster.close()


@pytest.fixture(scope="package")
def dask_address(cli_cluster: CliCluster) -> str:
    return cli_cluster.address


@pytest.fixture(scope="package")
def dask_client(dask_address: str) -> Iterator[object]:
    from distributed import Client

    client = Client(dask_address, set_as_default=False)
    yield client
    client.close()


@pytest.fixture
def own_cluster(tmp_path: Path) -> Iterator[CliCluster]:
    """A cluster of this test's own (a scheduler, no workers yet), for tests that break it."""
    pytest.importorskip("distributed", reason=NEEDS_DASK)
    cluster = CliCluster(tmp_path / "cluster")
    try:
        yield cluster
    finally:
        cluster.close()
