"""The Dask orchestrator: 16 CPU-bound steps on a 2-worker LocalCluster versus the local
sequential executor (``max_workers=1``).

Run (from the repository root):  python benchmarks/dask.py [--repeat N]

The cluster is started once (flowplan's LocalCluster helper, 2 single-threaded worker
processes) and its start time is reported on its own line; the Dask runs then use it through
``dask_address``, and each figure is the median of ``--repeat`` runs.  One more run without an
address shows the whole cost of a run that starts and closes its own cluster.  Caching is
off; the store is a throw-away folder.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

# This file is named like the ``dask`` package: keep its folder off the import path, so
# ``import dask`` (here and in the cluster's workers) finds the real one.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]

from flowplan import pipeline, step  # noqa: E402
from flowplan.executor.dask_cluster import local_cluster  # noqa: E402

STEPS, WORKERS = 16, 2
WORK = 3_000_000  # loop iterations per step (~0.2 s on a 2020s core)


def burn(n: int = WORK) -> int:
    total = 0
    for i in range(n):
        total += i * i % 7
    return total


@step(enable_cache=False)
def cpu_step(seed: int) -> int:
    return burn() + seed


@pipeline(enable_cache=False)
def sixteen_cpu() -> None:
    for i in range(STEPS):
        cpu_step(i)


def timed(action: Callable[[], object]) -> float:
    """Wall time of ``action`` (the runs' own "has finished" lines are swallowed)."""
    with contextlib.redirect_stdout(io.StringIO()):
        started = time.perf_counter()
        action()
        return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    os.environ["FLOWPLAN_HOME"] = tempfile.mkdtemp(prefix="flowplan-bench-")
    os.environ["FLOWPLAN_QUIET"] = "1"
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"python benchmarks/dask.py  ({os.cpu_count()} CPUs, load {load:.2f} before the "
        f"start, median of {args.repeat})"
    )
    sequential = sixteen_cpu.with_options(settings={"orchestrator": {"max_workers": 1}})
    sequential.compile()
    started = time.perf_counter()
    with local_cluster(WORKERS) as cluster:
        start = time.perf_counter() - started
        on_dask = sixteen_cpu.with_options(
            settings={"orchestrator": {"dask_address": cluster.address}}
        )
        timed(on_dask)  # first contact: workers import flowplan, the code ships once
        times: dict[str, list[float]] = {"sequential": [], "dask": []}
        for _ in range(args.repeat):  # interleaved, so load changes hit both
            times["sequential"].append(timed(sequential))
            times["dask"].append(timed(on_dask))
    own = sixteen_cpu.with_options(settings={"orchestrator": {"max_workers": WORKERS}})
    os.environ["FLOWPLAN_ORCHESTRATOR"] = "dask"
    whole = timed(own)
    serial, dask = (statistics.median(times[k]) for k in ("sequential", "dask"))
    print(f"{STEPS} CPU-bound steps")
    print(f"   local, sequential (max_workers=1)   {serial:.3f} s")
    label = f"dask, {WORKERS}-worker LocalCluster"
    print(f"   {label:<35} {dask:.3f} s  speedup {serial / dask:.2f}x")
    print(f"   LocalCluster start (reported apart) {start:.3f} s")
    print(f"   dask, own cluster (start+run+close) {whole:.3f} s  speedup {serial / whole:.2f}x")


if __name__ == "__main__":
    main()
