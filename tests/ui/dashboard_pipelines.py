"""Pipelines whose runs fill the store that the dashboard's browser tests look at.

``python dashboard_pipelines.py NAME`` runs one of them (see ``RUNS``) in this process.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from pathlib import Path
from typing import Annotated

from flowplan import pipeline, step


@step
def load(n: int = 50) -> Annotated[list[int], "numbers"]:
    print(f"loaded {n} numbers")
    return list(range(n))


@step
def square(numbers: list[int], index: int) -> Annotated[int, "squared"]:
    return numbers[index] ** 2


@step
def total(values: list[int]) -> Annotated[dict[str, int], "summary"]:
    print(f"sum of squares: {sum(values)}")
    return {"count": len(values), "sum": sum(values)}


@pipeline(enable_cache=True)
def fan_out(width: int = 50) -> None:
    numbers = load(n=width)
    total([square(numbers, index=i) for i in range(width)])


@step
def prepare() -> Annotated[str, "note"]:
    print("preparing")
    return "ready"


@step
def explode(note: str) -> int:
    print("about to fail")
    raise RuntimeError("the model diverged")


@step
def after_failure(value: int) -> None:
    print("never runs")


@pipeline
def failing() -> None:
    after_failure(explode(prepare()))


@step
def shout() -> Annotated[str, "html"]:
    print("<script>window.__xss = 1</script> printed by a step")
    return "<script>window.__xss = 2</script><b>bold?</b>"


@step
def loud() -> Annotated[str, "essay"]:
    for line in range(2000):
        print(f"line {line:05d} " + "x" * 40)
    return "word " * 10_000


@pipeline
def markup() -> None:
    shout(id="<script>window.__xss=3</script>")
    loud()


@step
def wait_for_marker() -> int:
    marker = Path(os.environ["UI_TEST_MARKER"])
    deadline = time.monotonic() + 60
    while not marker.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    return 1


@step
def finish(value: int) -> int:
    return value + 1


@pipeline(enable_cache=False)
def slow() -> None:
    finish(wait_for_marker())


def triggered_snapshot() -> None:
    """A snapshot of the fan-out, and one run triggered from it (in a background process)."""
    from flowplan.client import Client

    fan_out.create_snapshot(name="nightly", description="the fan-out, <i>nightly</i>")
    Client().trigger_pipeline(
        "nightly", run_configuration={"parameters": {"width": 3}}, synchronous=True
    )


RUNS = {
    "fan_out": fan_out,
    "failing": failing,
    "markup": markup,
    "slow": slow,
    "snapshot": triggered_snapshot,
}

if __name__ == "__main__":
    from flowplan.executor.errors import RunFailedError

    with contextlib.suppress(RunFailedError):  # the failed run is what we want
        RUNS[sys.argv[1]]()
