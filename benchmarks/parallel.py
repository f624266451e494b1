"""Parallel execution: how close flowplan's scheduler gets to the plain standard library.

Run:  python benchmarks/parallel.py [--repeat N]

1. CPU-bound: 4 independent steps on ``max_workers`` = the CPUs available, process
   isolation, next to ``concurrent.futures.ProcessPoolExecutor`` on the same work.  Speedup is
   serial time / parallel time; the target is >= 0.9 of the plain pool's speedup.
2. Sleeping: 8 steps that each sleep 0.5 s, ``max_workers=8`` (target: <= 0.75 s wall).
3. FAIL_FAST: one step fails while its sibling sleeps 3 s; how long after the failure the
   run returns (target: <= 0.5 s).
4. Start: how long after the call a one-step pipeline's step starts under process isolation,
   in the first run of the process (which starts the fork server) and later, next to how long
   a plain ``ProcessPoolExecutor`` made in the call takes to start its first task; then the
   same in a new ``python`` process, from the first line of its script (before ``import
   flowplan``) to the start of the step, next to a plain pool in a new process.

Each figure is the median of ``--repeat`` runs.  The first process-isolation run of a
process also starts the fork server: section 4 runs first and reports that cold start.
Pipelines run against a throw-away store with caching off.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor

from flowplan import ExecutionMode, RunFailedError, pipeline, step
from flowplan.executor.driver import default_workers

WORK = 6_000_000  # loop iterations per CPU-bound task (~0.4 s on a 2020s core)


def failed_at() -> str:
    """Where the failing step notes when it failed (the store is configured at run time)."""
    return os.path.join(os.environ["FLOWPLAN_HOME"], "failed_at")


def burn(n: int = WORK) -> int:
    total = 0
    for i in range(n):
        total += i * i % 7
    return total


@step(enable_cache=False)
def cpu_step(seed: int) -> int:
    return burn() + seed


@step(enable_cache=False)
def sleep_step(seed: int) -> int:
    time.sleep(0.5)
    return seed


@step(enable_cache=False)
def failing_step() -> None:
    time.sleep(0.2)
    with open(failed_at(), "w") as handle:
        handle.write(repr(time.time()))
    raise RuntimeError("fails on purpose")


@step(enable_cache=False)
def sleeping_sibling() -> None:
    time.sleep(3)


@step(enable_cache=False)
def started_at() -> float:
    return time.time()


@pipeline(enable_cache=False)
def one_step() -> None:
    started_at()


@pipeline(enable_cache=False)
def four_cpu() -> None:
    for i in range(4):
        cpu_step(i)


@pipeline(enable_cache=False)
def eight_sleepers() -> None:
    for i in range(8):
        sleep_step(i)


@pipeline(enable_cache=False, execution_mode=ExecutionMode.FAIL_FAST)
def fail_fast() -> None:
    failing_step()
    sleeping_sibling()


def timed(action: Callable[[], object]) -> float:
    """Wall time of ``action`` (the runs' own "has finished" lines are swallowed)."""
    with contextlib.redirect_stdout(io.StringIO()):
        started = time.perf_counter()
        action()
        return time.perf_counter() - started


def median_of(repeat: int, action: Callable[[], object]) -> float:
    return statistics.median(timed(action) for _ in range(repeat))


def orchestrator(isolation: str, workers: int) -> dict[str, dict[str, object]]:
    return {"orchestrator": {"isolation": isolation, "max_workers": workers}}


def plain_pool(workers: int) -> None:
    with ProcessPoolExecutor(workers) as pool:
        list(pool.map(burn, [WORK] * 4))


def cpu_bound(repeat: int) -> None:
    """Serial, plain pool and flowplan runs are interleaved, so load changes hit all three."""
    workers = default_workers()
    ours = four_cpu.with_options(settings=orchestrator("process", workers))
    ours.compile()  # so its first run below times the run, not the first compile
    cold = timed(ours)
    times: dict[str, list[float]] = {"serial": [], "plain": [], "flowplan": []}
    for _ in range(repeat):
        times["serial"].append(timed(lambda: [burn() for _ in range(4)]))
        times["plain"].append(timed(lambda: plain_pool(workers)))
        times["flowplan"].append(timed(ours))
    serial, plain, flowplan = (statistics.median(times[k]) for k in times)
    threads = median_of(repeat, four_cpu.with_options(settings=orchestrator("thread", workers)))
    print(f"1. four CPU-bound steps, {workers} workers (serial {serial:.3f} s)")
    print(f"   ProcessPoolExecutor         {plain:.3f} s  speedup {serial / plain:.2f}x")
    print(f"   flowplan, process isolation {flowplan:.3f} s  speedup {serial / flowplan:.2f}x")
    print(f"   -> ratio to plain speedup   {plain / flowplan:.2f}  (target >= 0.90)")
    print(f"   flowplan, process, first run {cold:.3f} s  (the fork server runs already: see 4.)")
    print(f"   flowplan, thread isolation  {threads:.3f} s  speedup {serial / threads:.2f}x (GIL)")


def sleeping(repeat: int) -> None:
    print("2. eight steps sleeping 0.5 s, max_workers=8 (target <= 0.75 s)")
    for isolation in ("thread", "process"):
        configured = eight_sleepers.with_options(settings=orchestrator(isolation, 8))
        timed(configured)  # warm the pool to 8 workers
        print(f"   {isolation:<7} isolation   {median_of(repeat, configured):.3f} s")


def fail_fast_latency(repeat: int) -> None:
    print("3. FAIL_FAST: return after the failure, sibling sleeping 3 s (target <= 0.5 s)")
    for isolation in ("thread", "process"):
        configured = fail_fast.with_options(settings=orchestrator(isolation, 2))
        delays = []
        for _ in range(repeat):
            try:
                timed(configured)
            except RunFailedError as exc:
                assert exc.run.steps["sleeping_sibling"].status.value == "stopped"
            with open(failed_at()) as handle:
                delays.append(time.time() - float(handle.read()))
        print(f"   {isolation:<7} isolation   {statistics.median(delays):.3f} s")


def first_task(repeat: int) -> list[str]:
    """Seconds from the call to the start of the first step (task); run before anything else
    starts the fork server, so that the first run is a cold one."""
    configured = one_step.with_options(settings=orchestrator("process", 2))
    configured.compile()

    def ours() -> float:
        called = time.time()
        with contextlib.redirect_stdout(io.StringIO()):
            run = configured()
        return float(run.steps["started_at"].output.load()) - called

    def plain() -> float:
        called = time.time()
        with ProcessPoolExecutor(2) as pool:
            return pool.submit(time.time).result() - called

    cold = ours()
    warm = statistics.median(ours() for _ in range(repeat))
    pool = statistics.median(plain() for _ in range(repeat))
    return [
        "4. start: from the call to the first step, one-step pipeline, process isolation",
        f"   first run of the process      {cold * 1e3:7.1f} ms  (starts the fork server)",
        f"   later runs                    {warm * 1e3:7.1f} ms",
        f"   ProcessPoolExecutor(2), made in the call: first task {pool * 1e3:.1f} ms",
    ]


FRESH_FLOWPLAN = textwrap.dedent("""
    import time
    began = time.time()
    from flowplan import pipeline, step

    @step(enable_cache=False)
    def started_at() -> float:
        return time.time()

    @pipeline(enable_cache=False, settings={"orchestrator": {"isolation": "process"}})
    def one_step() -> None:
        started_at()

    run = one_step()
    print(run.steps["started_at"].output.load() - began)
""")

FRESH_PLAIN = textwrap.dedent("""
    import time
    began = time.time()
    from concurrent.futures import ProcessPoolExecutor

    if __name__ == "__main__":
        with ProcessPoolExecutor(2) as pool:
            print(pool.submit(time.time).result() - began)
""")


def fresh_first_task(repeat: int) -> list[str]:
    """Seconds from a new process's first line to the start of its first task, with
    flowplan (process isolation: its imports, compile, store and fork server) and plainly."""
    folder = tempfile.mkdtemp(prefix="flowplan-bench-")
    env = {**os.environ, "FLOWPLAN_HOME": os.path.join(folder, "home")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # as users run: with bytecode caches

    def started(text: str, name: str) -> float:
        script = os.path.join(folder, name)
        with open(script, "w") as handle:
            handle.write(text)
        out = subprocess.run([sys.executable, script], env=env, cwd=folder, check=True,
                             capture_output=True, text=True).stdout
        return float(out.split()[-1])

    started(FRESH_FLOWPLAN, "fresh.py")  # the step's analysis and the verdicts cached
    ours, plain = [], []
    for _ in range(repeat):  # alternated: both see the same moments of a drifting host
        ours.append(started(FRESH_FLOWPLAN, "fresh.py"))
        plain.append(started(FRESH_PLAIN, "plain.py"))
    return [
        f"   new process, to the first step  {statistics.median(ours) * 1e3:7.1f} ms  (imports,"
        " compile, store, fork server)",
        f"   new process, ProcessPoolExecutor(2): first task"
        f" {statistics.median(plain) * 1e3:.1f} ms",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    os.environ["FLOWPLAN_HOME"] = tempfile.mkdtemp(prefix="flowplan-bench-")
    os.environ["FLOWPLAN_QUIET"] = "1"
    print(f"python benchmarks/parallel.py  ({os.cpu_count()} CPUs, median of {args.repeat})")
    start = first_task(args.repeat)  # first: no run has started the fork server yet
    start += fresh_first_task(args.repeat)
    cpu_bound(args.repeat)
    sleeping(args.repeat)
    fail_fast_latency(args.repeat)
    print("\n".join(start))


if __name__ == "__main__":
    main()
