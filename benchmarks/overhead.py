"""Per-step overhead of flowplan with its durable store, measured in one process.

Run: python benchmarks/overhead.py [--repeat N] [--sizes 10,100,1000,5000]

For chains of 10, 100, 1,000 and 5,000 steps (each step adds one to its input), it prints
the median per-step cost (wall time, and in parentheses the CPU time of this process, which a
loaded machine disturbs less) of
  * a run with the durable store (caching off: compile, run, artifact files and SQLite),
  * a fully cached rerun (compile, one cache query, a digest check and a record per step),
  * the same functions called plainly, in a loop,
then how 5,000 steps compare with 100 per step (from the table, and measured side by side:
rounds of one 5,000-step run and fifty 100-step runs, whose ratios a drifting host disturbs
less), what share of a cached 200-step rerun the digest check of DESIGN decision 19 costs,
the first (cold) durable run, `import flowplan`, and a 100-step chain as a whole `python`
process once its analysis is cached.  The
processes run with flowplan's bytecode compiled beforehand (``compileall``) and with
``PYTHONDONTWRITEBYTECODE`` unset, as users run: where it is set, every start would
otherwise compile flowplan's modules again.

Targets: durable <= 0.15 ms per step; 5,000 steps within 10% of 100 per step; a fully cached
100-step rerun <= 15 ms; the digest check <= 10% of a cached 200-step rerun; the whole
100-step process <= 150 ms.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import resource
import statistics
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import compile_bytecode, isolate, median_time, median_times

root = isolate()

from flowplan import pipeline, step  # noqa: E402


def increment(x: int) -> int:
    return x + 1


inc = step(increment)


def chain(n: int, enable_cache: bool, tag: str = "") -> Callable[[], object]:
    @pipeline(name=f"chain_{n}_{'cached' if enable_cache else 'durable'}{tag}")
    def body() -> None:
        value = inc(x=0, id="s0")
        for i in range(1, n):
            value = inc(value, id=f"s{i}")

    configured = body.with_options(enable_cache=enable_cache)

    def call() -> object:
        with contextlib.redirect_stdout(io.StringIO()):  # the run's final line
            return configured()

    return call


def plain(n: int) -> None:
    value = increment(0)
    for _ in range(1, n):
        value = increment(value)


CHAIN_SCRIPT = textwrap.dedent("""
    from flowplan import pipeline, step

    @step
    def inc(x: int) -> int:
        return x + 1

    @pipeline(enable_cache=False)
    def chain() -> None:
        value = inc(x=0, id="s0")
        for i in range(1, 100):
            value = inc(value, id=f"s{i}")

    chain()
""")


def process_times(args: list[str], env: dict[str, str], repeat: int = 5) -> tuple[float, float]:
    """Median wall time and median CPU time (user + system) of a child process."""
    times, cpus = [], []
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(args, env=env, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    return statistics.median(times), statistics.median(cpus)


def chains(sizes: list[int], repeat: int) -> tuple[dict[int, float], dict[int, float]]:
    """Per-step wall and CPU times of durable runs, by chain length (the table's columns:
    wall time, then CPU time of this process in parentheses)."""
    print(
        f"{'steps':>6}  {'durable ms/step (cpu)':>22}  {'cached rerun ms (cpu)':>22}"
        f"  {'cached ms/step':>14}  {'plain ms/step':>13}"
    )
    durable: dict[int, float] = {}
    durable_cpu: dict[int, float] = {}
    for n in sizes:
        times = max(3, repeat if n <= 1000 else repeat // 2)
        run = chain(n, enable_cache=False)
        run()  # warm: analysis cache, verdict cache, artifact files
        wall, cpu = median_times(run, repeat=times)
        durable[n], durable_cpu[n] = wall / n, cpu / n
        cached = chain(n, enable_cache=True)
        cached()
        rerun, rerun_cpu = median_times(cached, repeat=times)
        bare = median_time(lambda n=n: plain(n), repeat=max(5, repeat)) / n  # type: ignore[misc]
        print(
            f"{n:>6}  {durable[n] * 1e3:>11.3f} ({durable_cpu[n] * 1e3:.3f})"
            f"  {rerun * 1e3:>12.1f} ({rerun_cpu * 1e3:.1f})"
            f"  {rerun / n * 1e3:>14.3f}  {bare * 1e3:>13.5f}"
        )
    return durable, durable_cpu


def linearity(large: int, repeat: int) -> tuple[float, float]:
    """Per-step cost of a ``large``-step durable chain over a 100-step one's, measured side
    by side: each round times one large run, then as many 100-step runs as make the same
    number of steps, so that both see the same moments of a host whose speed drifts by a
    quarter within minutes (the table's rows are minutes apart).  Returns the median of the
    rounds' ratios, by wall and by CPU time."""
    small_run, large_run = chain(100, enable_cache=False), chain(large, enable_cache=False)
    small_run()
    large_run()  # warm: the tables above leave these runs' stores already grown
    walls, cpus = [], []
    for _ in range(max(3, repeat)):
        big_wall, big_cpu = median_times(large_run, repeat=1)
        small_wall, small_cpu = median_times(small_run, repeat=max(3, large // 100))
        walls.append(big_wall / large / (small_wall / 100))
        cpus.append(big_cpu / large / (small_cpu / 100))
    return statistics.median(walls), statistics.median(cpus)


def digest_share(repeat: int) -> None:
    """The digest check's share of a fully cached 200-step rerun: the rerun timed as it is,
    and with the check replaced by one that trusts every hit.  Measured twice: as it is (a
    file read and hashed once, then vouched for while unchanged: by a watch of its folder on
    Linux, else by its status once older than ``checked_files.SETTLED``), and with every
    check reading and hashing the file."""
    import flowplan.executor.ledger as ledger
    import flowplan.store.checked_files as checked_files

    # A store of its own: the longer chains above left thousands of cache entries of the
    # same step code, which a run's start would read (or ask for key by key) every time.
    os.environ["FLOWPLAN_HOME"] = str(root / "digest-home")
    cached = chain(200, enable_cache=True, tag="_digest")
    cached()
    original = ledger.verify_cached

    def trusting_run() -> None:
        ledger.verify_cached = lambda store, outputs: True
        try:
            cached()
        finally:
            ledger.verify_cached = original

    def share() -> tuple[float, float, float, float]:
        """Median wall and CPU times with the check, then without.  Alternated, so that both
        see the same moments of a host whose speed drifts."""
        with_check: list[tuple[float, float]] = []
        without: list[tuple[float, float]] = []
        for _ in range(max(repeat, 9)):
            with_check.append(median_times(cached, repeat=1))
            without.append(median_times(trusting_run, repeat=1))
        return (
            statistics.median(w for w, _ in with_check),
            statistics.median(c for _, c in with_check),
            statistics.median(w for w, _ in without),
            statistics.median(c for _, c in without),
        )

    vouching = checked_files.CheckedFiles.unchanged
    checked_files.CheckedFiles.unchanged = lambda self, content_hash: False  # type: ignore[method-assign]
    try:
        hashed = share()
    finally:
        checked_files.CheckedFiles.unchanged = vouching  # type: ignore[method-assign]
    watched = checked_files._WATCHED.watch is not None
    if not watched:
        time.sleep(checked_files.SETTLED)  # as old as the files of an earlier run
    cached()  # the first check reads each file once more
    how = "watched folders" if watched else "settled files vouched for by their status"
    figures = {how: share(), "every file read and hashed": hashed}
    for label, (checked, checked_cpu, trusting, trusting_cpu) in figures.items():
        print(
            f"digest check, cached 200-step rerun, {label}: {checked * 1e3:.1f} ms with it, "
            f"{trusting * 1e3:.1f} ms without: {(checked - trusting) / checked:.1%} of the rerun"
            f" (cpu {checked_cpu * 1e3:.1f} / {trusting_cpu * 1e3:.1f} ms:"
            f" {(checked_cpu - trusting_cpu) / checked_cpu:.1%})"
        )


def processes() -> None:
    # Users run with bytecode caches; make sure ours exist even where PYTHONDONTWRITEBYTECODE=1.
    compiled = compile_bytecode()
    env = {**os.environ}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    python = sys.executable
    base, base_cpu = process_times([python, "-c", "pass"], env)
    imp, imp_cpu = process_times([python, "-c", "import flowplan"], env)
    print(f"processes below -- {compiled}")
    print(
        f"import flowplan:               {imp - base:8.3f} s  (cpu {imp_cpu - base_cpu:.3f} s;"
        f" startup {base:.3f} s apart)"
    )
    script = root / "chain100.py"
    script.write_text(CHAIN_SCRIPT)
    subprocess.run([python, str(script)], env=env, check=True, stdout=subprocess.DEVNULL)
    whole, whole_cpu = process_times([python, str(script)], env)
    print(
        f"100-step chain, whole process: {whole:8.3f} s  (cpu {whole_cpu:.3f} s; analysis cached)"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--sizes", default="10,100,1000,5000")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]

    cold = chain(100, enable_cache=False, tag="_cold")
    start = time.perf_counter()
    cold()
    first = time.perf_counter() - start
    print(f"first durable 100-step run (new files, fsync'd): {first / 100 * 1e3:.3f} ms/step")
    durable, durable_cpu = chains(sizes, args.repeat)
    if 100 in durable and 5000 in durable:
        ratio = durable[5000] / durable[100]
        cpu_ratio = durable_cpu[5000] / durable_cpu[100]
        print(f"5,000 vs 100 steps, durable, per step, from the table: {ratio:.2f}x"
              f" (cpu {cpu_ratio:.2f}x)")  # fmt: skip
        ratio, cpu_ratio = linearity(5000, args.repeat)
        print(f"5,000 vs 100 steps, durable, per step, side by side: {ratio:.2f}x"
              f" (cpu {cpu_ratio:.2f}x)")  # fmt: skip
    digest_share(args.repeat)
    processes()


if __name__ == "__main__":
    main()
