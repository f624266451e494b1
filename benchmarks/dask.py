"""The Dask orchestrator against plain Dask, on a cluster started as a team runs one: a
``dask scheduler`` and two ``dask worker`` processes (two threads each) from the command
line on 127.0.0.1, each in a folder of its own, without this repository on ``PYTHONPATH``.

Run (from the repository root):  python benchmarks/dask.py [--repeat N] [--steps 2000]

Prints, each figure the median of ``--repeat`` runs after one warm-up run, flowplan and plain
Dask interleaved so that load changes hit both:

* per-step cost after the first: chains of ``--chain`` and of 1 steps, each step waiting for
  the one before; (time of the long chain - time of the short one) / (chain - 1), against
  the same function submitted with plain ``client.submit(f, previous)`` and ``.result()``
  the same way (target: at most 1.5x);
* ``--steps`` tiny independent steps in one pipeline against ``client.map`` + ``gather`` of
  the same function (target: at most 1.5x), and the CPU time the driver process spent per
  step (compiling, recording, pickling, Dask's client);
* time to first step: from calling a one-step pipeline (connecting anew) to its step
  starting on a worker;
* concurrency sized from the cluster: ``--wide`` one-second steps once two more workers of
  ``--wide / 2`` threads each have joined (ideal: a little over one second).

Caching is off; the store is a throw-away folder.  Figures on a loaded machine are noisy.
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
# ``import dask`` (here and in the cluster's workers) finds the real one.  The command-line
# cluster of the tests is reused from the repository root.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))

from flowplan import pipeline, step  # noqa: E402
from tests.dask.cli_cluster import CliCluster  # noqa: E402


def tiny(x: int) -> int:
    return x + 1


@step(enable_cache=False)
def tiny_step(x: int) -> int:
    return x + 1


@step(enable_cache=False)
def stamp(folder: str) -> float:
    started = time.time()
    Path(folder, "first").write_text(str(started))
    return started


@pipeline(enable_cache=False)
def chain(length: int = 50) -> None:
    value = tiny_step(0)
    for _ in range(length - 1):
        value = tiny_step(value)


@pipeline(enable_cache=False)
def fan_out(width: int = 2000) -> None:
    for i in range(width):
        tiny_step(i)


@pipeline(enable_cache=False)
def first(folder: str) -> None:
    stamp(folder)


@step(enable_cache=False)
def one_second(i: int) -> int:
    time.sleep(1.0)
    return i


@pipeline(enable_cache=False)
def seconds(width: int = 300) -> None:
    for i in range(width):
        one_second(i)


def timed(action: Callable[[], object]) -> float:
    """Wall time of ``action`` (what runs print is swallowed)."""
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        started = time.perf_counter()
        action()
        return time.perf_counter() - started


def medians(repeat: int, actions: dict[str, Callable[[], object]]) -> dict[str, float]:
    """The median wall time of each action: one warm-up each, then rounds in turn."""
    for action in actions.values():
        timed(action)
    times: dict[str, list[float]] = {name: [] for name in actions}
    for _ in range(repeat):
        for name, action in actions.items():
            times[name].append(timed(action))
    return {name: statistics.median(values) for name, values in times.items()}


def per_step(client: object, settings: dict[str, object], args: argparse.Namespace) -> None:
    def plain(length: int) -> Callable[[], None]:
        def run() -> None:
            value = 0
            for _ in range(length):
                value = client.submit(tiny, value, pure=False).result()  # type: ignore[attr-defined]

        return run

    ours = chain.with_options(settings=settings)
    m = medians(args.repeat, {
        "plain long": plain(args.chain), "plain short": plain(1),
        "flow long": lambda: ours(length=args.chain), "flow short": lambda: ours(length=1),
    })
    plain_step = (m["plain long"] - m["plain short"]) / (args.chain - 1)
    flow_step = (m["flow long"] - m["flow short"]) / (args.chain - 1)
    print(f"per step after the first (chains of {args.chain} and 1, each step waits for the "
          "one before)")
    print(f"   plain client.submit(...).result()   {plain_step * 1e3:8.2f} ms")
    print(f"   flowplan on Dask                    {flow_step * 1e3:8.2f} ms   "
          f"{flow_step / plain_step:.2f}x  (target <= 1.5x)")
    print(f"   (whole runs: a chain of 1 takes {m['flow short'] * 1e3:.0f} ms with flowplan, "
          f"{m['plain short'] * 1e3:.1f} ms plain)")


def many(client: object, settings: dict[str, object], args: argparse.Namespace) -> None:
    def plain() -> None:
        futures = client.map(tiny, range(args.steps), pure=False)  # type: ignore[attr-defined]
        client.gather(futures)  # type: ignore[attr-defined]

    wide = fan_out.with_options(settings=settings)
    wide.compile(width=args.steps)
    cpu: list[float] = []  # this process's CPU time (all its threads) per flowplan run

    def flow() -> None:
        started = time.process_time()
        wide(width=args.steps)
        cpu.append(time.process_time() - started)

    m = medians(args.repeat, {"plain": plain, "flow": flow})
    print(f"{args.steps} tiny independent steps (one pipeline; compile and records included)")
    print(f"   plain client.map + gather           {m['plain']:8.3f} s")
    print(f"   flowplan on Dask                    {m['flow']:8.3f} s   "
          f"{m['flow'] / m['plain']:.2f}x  (target <= 1.5x)")
    print(f"   (driver CPU per step: {statistics.median(cpu[1:]) / args.steps * 1e3:.2f} ms)")


def to_first_step(root: Path, settings: dict[str, object], repeat: int) -> None:
    firsts = []
    one = first.with_options(settings=settings)
    for _ in range(repeat + 1):
        folder = tempfile.mkdtemp(dir=root)
        called = time.time()
        timed(lambda folder=folder: one(folder=folder))  # type: ignore[misc]
        firsts.append(float(Path(folder, "first").read_text()) - called)
    print("time to first step (from the call to the step starting on a worker, connecting "
          f"anew)   {statistics.median(firsts[1:]) * 1e3:.0f} ms")


def wide(cluster: CliCluster, settings: dict[str, object], args: argparse.Namespace) -> None:
    for name in ("wide-a", "wide-b"):
        cluster.add_worker(name, threads=args.wide // 2)
    cluster.wait_for_workers(4)
    run = seconds.with_options(settings=settings)
    took = medians(args.repeat, {"wide": lambda: run(width=args.wide)})["wide"]
    print(f"{args.wide} one-second steps on {args.wide // 2 * 2 + 4} worker threads   "
          f"{took:.2f} s  (ideal: a little over 1 s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--chain", type=int, default=50)
    parser.add_argument("--wide", type=int, default=300)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="flowplan-bench-dask-"))
    os.environ["FLOWPLAN_HOME"] = str(root / "home")
    os.environ["FLOWPLAN_QUIET"] = "1"
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"python benchmarks/dask.py  ({os.cpu_count()} CPUs, load {load:.2f} before the "
          f"start, median of {args.repeat}; cluster: dask scheduler + 2 dask workers x 2 "
          "threads, started from the command line on 127.0.0.1)")
    cluster = CliCluster(root / "cluster")
    try:
        for name in ("worker-a", "worker-b"):
            cluster.add_worker(name, threads=2)
        cluster.wait_for_workers(2)
        from distributed import Client

        settings: dict[str, object] = {"orchestrator": {"dask_address": cluster.address}}
        with Client(cluster.address, set_as_default=False) as client:
            per_step(client, settings, args)
            many(client, settings, args)
        to_first_step(root, settings, args.repeat)
        wide(cluster, settings, args)
    finally:
        cluster.close()


if __name__ == "__main__":
    main()
