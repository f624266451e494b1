"""Per-step overhead of flowplan with its durable store, measured in one process.

Run: python benchmarks/overhead.py
Prints: a bare function call; per-step overhead of 20- and 200-step chains (caching off, full
store: fsync'd artifact files + SQLite WAL); a fully cached 200-step rerun; `import flowplan`;
and a 100-step chain as a whole `python` process once its analysis is cached.
Targets: <= 1 ms per step, cached rerun <= 0.3 s, import <= 0.15 s, 100-step process <= 0.35 s.
"""

from __future__ import annotations

import contextlib
import io
import os
import statistics
import subprocess
import sys
import textwrap
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import isolate, median_time

root = isolate()

from flowplan import pipeline, step  # noqa: E402


def increment(x: int) -> int:
    return x + 1


inc = step(increment)


def chain(n: int, enable_cache: bool):  # type: ignore[no-untyped-def]
    @pipeline(
        name=f"chain_{n}_{'cached' if enable_cache else 'uncached'}", enable_cache=enable_cache
    )
    def body() -> None:
        value = inc(x=0, id="s0")
        for i in range(1, n):
            value = inc(value, id=f"s{i}")

    return body


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


def process_times(args: list[str], env: dict[str, str], repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(args, env=env, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def quiet(func):  # type: ignore[no-untyped-def]
    """``func`` with the run's final line kept off stdout."""

    def call() -> None:
        with contextlib.redirect_stdout(io.StringIO()):
            func()

    return call


def main() -> None:
    bare = median_time(lambda: [increment(i) for i in range(10_000)], repeat=5) / 10_000
    print(f"bare function call:                 {bare * 1e6:8.3f} us")
    for n in (20, 200):
        pipe = chain(n, enable_cache=False)
        pipe = quiet(pipe)
        pipe()  # warm analysis cache and store
        total = median_time(pipe, repeat=5)
        print(
            f"{n:>3}-step chain, caching off:        {total:8.3f} s  "
            f"= {total / n * 1e3:.3f} ms per step (compile + run + durable store)"
        )
    cached = quiet(chain(200, enable_cache=True))
    cached()
    rerun = median_time(cached, repeat=5)
    print(
        f"200-step chain, fully cached rerun: {rerun:8.3f} s  ({rerun / 200 * 1e3:.3f} ms per step)"
    )

    # Users run with bytecode caches; make sure ours exist even where PYTHONDONTWRITEBYTECODE=1.
    import compileall

    import flowplan

    compileall.compile_dir(str(Path(flowplan.__file__).parent), quiet=1)
    env = {**os.environ}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    python = sys.executable
    base = process_times([python, "-c", "pass"], env)
    imp = process_times([python, "-c", "import flowplan"], env)
    print(f"import flowplan:                    {imp - base:8.3f} s  (startup {base:.3f} s apart)")
    script = root / "chain100.py"
    script.write_text(CHAIN_SCRIPT)
    subprocess.run([python, str(script)], env=env, check=True, stdout=subprocess.DEVNULL)
    whole = process_times([python, str(script)], env)
    print(f"100-step chain, whole process:      {whole:8.3f} s  (analysis cached)")


if __name__ == "__main__":
    main()
