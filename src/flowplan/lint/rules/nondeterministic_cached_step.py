"""FP802 nondeterministic-cached-step: a cached step reads the clock, randomness, the
environment or the network."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from flowplan.diagnostics import Diagnostic
from flowplan.lint.context import FileContext
from flowplan.lint.nondeterminism import ROOTS, reads
from flowplan.lint.registry import Rule
from flowplan.lint.step_uses import is_cached
from flowplan.messages import lint as messages


def check(ctx: FileContext) -> Iterator[Diagnostic]:
    if not any(q.split(".")[0] in ROOTS for q in ctx.facts.imports.names.values()):
        return  # nothing nondeterministic can be named without importing it
    for step in ctx.steps:
        if isinstance(step.node, ast.ClassDef):
            continue
        read = next(reads(step), None)
        if read is None or not is_cached(step, ctx):
            continue
        node, name, what = read
        path, line, column = ctx.source.where(node)
        span = (path, line, column, *ctx.source.end(node))
        yield messages.nondeterministic_cached_step(step.name, what, name, span)


RULE = Rule(
    name="nondeterministic-cached-step",
    codes=("FP802",),
    summary="a cached step reads clock, randomness, environment or network",
    rationale="""
        A step's cache key covers its code, inputs and parameters -- not the time, a random
        draw, an environment variable or a web page.  When such a step is cached, a later
        run reuses the first run's result although a fresh execution would differ.  Steps
        with `enable_cache=False` (their own, or inherited from every pipeline that calls
        them, in any file, or from the run configurations those pipelines are run with) are
        not reported; nor is randomness after `random.seed(...)`, nor a write to the
        environment or the read of a credential (`os.getenv("HF_TOKEN")`).
    """,
    check=check,
    valid=(
        """
        import os
        import random
        import time

        from flowplan import pipeline, step

        @step
        def download(name: str) -> str:
            os.environ["HF_HUB_OFFLINE"] = "0"
            token = os.getenv("HF_TOKEN")
            return f"{name}:{bool(token)}"

        @step(enable_cache=False)
        def stamp() -> float:
            return time.time()

        @step
        def sample(n: int) -> list:
            random.seed(0)
            return [random.random() for _ in range(n)]

        @step
        def noise(n: int, seed: int = 7) -> list:
            rng = random.Random(seed)
            return [rng.gauss(0, 1) for _ in range(n)]

        @step
        def shuffled() -> int:
            return random.randint(0, 9)

        @pipeline(enable_cache=False)
        def fresh() -> None:
            shuffled()
        """,
    ),
    invalid=(
        """
        import os
        from datetime import datetime

        import requests
        from flowplan import step

        @step
        def stamp() -> str:
            return datetime.now().isoformat()  # expect: FP802:12

        @step
        def region() -> str:
            return os.environ["REGION"]  # expect: FP802:12

        @step(enable_cache=True)
        def prices(url: str) -> dict:
            return requests.get(url).json()  # expect: FP802:12
        """,
    ),
)
