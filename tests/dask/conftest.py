"""One Dask cluster for the tests of this folder: a real ``distributed.LocalCluster`` with two
worker processes (two threads each, so the three branches of seed 001's 8-step example run
at once), started by flowplan's cluster helper in a folder of its own, with no ``PYTHONPATH``:
the workers import flowplan (installed) but not the test modules, whose steps must therefore
travel by value.  Tests that need Dask are skipped only when dask.distributed is not
installed.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator

import pytest

NEEDS_DASK = "the Dask orchestrator needs flowplan[dask]"


@pytest.fixture(scope="package")
def dask_address(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    pytest.importorskip("distributed", reason=NEEDS_DASK)
    from flowplan.executor.dask_cluster import HELPER, read_line

    folder = tmp_path_factory.mktemp("dask-cluster")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    reader, writer = os.pipe()
    with (folder / "cluster.log").open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-c", HELPER, "2", "2", str(writer)],
            cwd=folder,
            env=env,
            stdin=subprocess.PIPE,
            stdout=log,
            stderr=log,
            pass_fds=[writer],
        )
    os.close(writer)
    address = read_line(reader, 120)
    os.close(reader)
    assert address.startswith("tcp://"), (folder / "cluster.log").read_text()
    yield address
    assert process.stdin is not None
    process.stdin.close()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture(scope="package")
def dask_client(dask_address: str) -> Iterator[object]:
    from distributed import Client

    client = Client(dask_address, set_as_default=False)
    yield client
    client.close()
