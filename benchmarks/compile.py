"""Compile time of fan-out pipelines (100, 1,000, 5,000 steps) with a warm analysis cache.

Run: python benchmarks/compile.py
Target: 1,000 steps in <= 0.5 s, growth close to linear.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import isolate, median_time

root = isolate()

from flowplan import pipeline, step  # noqa: E402
from flowplan.env import cache_dir  # noqa: E402


@step
def load() -> int:
    return 1


@step
def process(x: int, k: int) -> int:
    return x + k


@step
def combine(values: list[int]) -> int:
    return sum(values)


def fan_out(n: int):  # type: ignore[no-untyped-def]
    @pipeline(name=f"fan_out_{n}")
    def body() -> None:
        data = load()
        combine([process(data, k=i, id=f"process_{i}") for i in range(n)])

    return body


def clear_verdicts() -> None:
    shutil.rmtree(cache_dir() / "verdicts", ignore_errors=True)


def main() -> None:
    print(f"{'steps':>6}  {'compile+validate':>17}  {'per step':>9}  {'verdict cached':>15}")
    baseline = None
    for n in (100, 1000, 5000):
        pipe = fan_out(n)
        pipe.compile()  # warms the analysis cache
        repeat = 5 if n <= 1000 else 3
        cold = median_time(pipe.compile, repeat=repeat, before=clear_verdicts)
        warm = median_time(pipe.compile, repeat=repeat)
        per = cold / (n + 2)
        baseline = baseline or per
        print(
            f"{n:>6}  {cold:>16.3f}s  {per * 1e6:>7.0f}us  {warm:>14.3f}s"
            f"   (per-step ratio vs 100: {per / baseline:.2f})"
        )
    shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
