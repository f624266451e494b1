"""The Dask orchestrator against plain Dask, on a cluster started as a team runs one: a
``dask scheduler`` and two ``dask worker`` processes (two threads each) from the command
line on 127.0.0.1, each in a folder of its own, without this repository on ``PYTHONPATH``.

Run (from the repository root):  python benchmarks/dask.py [--repeat N] [--steps 2000]

Prints, each figure the median of ``--repeat`` runs after one warm-up run:

* per-step cost: a chain of ``--chain`` steps, each waiting for the one before, against the
  same function submitted with plain ``client.submit(...).result()`` one after the other
  (target: at most 1.5x);
* ``--steps`` tiny independent steps in one pipeline against ``client.map`` + ``gather`` of
  the same function (target: at most 1.5x);
* time to first step: from calling the pipeline to its first step starting on a worker.

Caching is off; the store is a throw-away folder.  Figures under load are noisy.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

# This file is named like the ``dask`` package: keep its folder off the import path, so
# ``import dask`` (here and in the cluster's workers) finds the real one.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]

from flowplan import pipeline, step  # noqa: E402

DASK = str(Path(sys.executable).with_name("dask"))


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


@contextlib.contextmanager
def command_line_cluster(root: Path) -> Iterator[str]:
    """``dask scheduler`` and two ``dask worker`` processes; their address; stopped by pid."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    processes: list[subprocess.Popen[bytes]] = []

    def start(name: str, *args: str) -> None:
        folder = root / name
        folder.mkdir(parents=True)
        log = (folder / "log.txt").open("wb")
        processes.append(subprocess.Popen([DASK, *args], cwd=folder, env=env, stdout=log,
                                          stderr=log, start_new_session=True))

    scheduler_file = root / "scheduler" / "scheduler.json"
    try:
        start("scheduler", "scheduler", "--host", "127.0.0.1", "--port", "0",
              "--no-dashboard", "--scheduler-file", str(scheduler_file))
        while not scheduler_file.exists():
            time.sleep(0.05)
        time.sleep(0.1)
        address = json.loads(scheduler_file.read_text())["address"]
        for name in ("worker-a", "worker-b"):
            start(name, "worker", address, "--nthreads", "2", "--nworkers", "1")
        from distributed import Client

        with Client(address, set_as_default=False) as client:
            client.wait_for_workers(2, timeout=120)
        yield address
    finally:
        for process in reversed(processes):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)


def timed(action: Callable[[], object]) -> float:
    """Wall time of ``action`` (what runs print is swallowed)."""
    with contextlib.redirect_stdout(io.StringIO()):
        started = time.perf_counter()
        action()
        return time.perf_counter() - started


def median_of(repeat: int, action: Callable[[], object]) -> float:
    timed(action)  # warm-up: workers import flowplan, code ships once
    return statistics.median(timed(action) for _ in range(repeat))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--chain", type=int, default=50)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="flowplan-bench-dask-"))
    os.environ["FLOWPLAN_HOME"] = str(root / "home")
    os.environ["FLOWPLAN_QUIET"] = "1"
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"python benchmarks/dask.py  ({os.cpu_count()} CPUs, load {load:.2f} before the "
          f"start, median of {args.repeat}; cluster: dask scheduler + 2 dask workers x 2 "
          "threads, command line, 127.0.0.1)")
    try:
        with command_line_cluster(root / "cluster") as address:
            from distributed import Client

            settings = {"orchestrator": {"dask_address": address}}
            with Client(address, set_as_default=False) as client:

                def plain_chain() -> None:
                    value = 0
                    for _ in range(args.chain):
                        value = client.submit(tiny, value, pure=False).result()

                def plain_map() -> None:
                    client.gather(client.map(tiny, range(args.steps), pure=False))

                ours = chain.with_options(settings=settings)
                plain = median_of(args.repeat, plain_chain) / args.chain
                flow = median_of(args.repeat, lambda: ours(length=args.chain)) / args.chain
                print(f"per step, a chain of {args.chain} (each waits for the one before)")
                print(f"   plain client.submit(...).result()   {plain * 1e3:7.2f} ms")
                print(f"   flowplan on Dask                    {flow * 1e3:7.2f} ms   "
                      f"{flow / plain:.2f}x  (target <= 1.5x)")
                wide = fan_out.with_options(settings=settings)
                plain_all = median_of(args.repeat, plain_map)
                flow_all = median_of(args.repeat, lambda: wide(width=args.steps))
                print(f"{args.steps} tiny independent steps")
                print(f"   plain client.map + gather           {plain_all:7.3f} s")
                print(f"   flowplan on Dask                    {flow_all:7.3f} s   "
                      f"{flow_all / plain_all:.2f}x  (target <= 1.5x)")
            firsts = []
            for _ in range(args.repeat):
                folder = tempfile.mkdtemp(dir=root)
                called = time.time()
                timed(lambda folder=folder: first.with_options(settings=settings)(folder=folder))
                firsts.append(float(Path(folder, "first").read_text()) - called)
            print(f"time to first step (call to the step starting on a worker, connected anew) "
                  f"{statistics.median(firsts) * 1e3:.0f} ms")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
