"""FP802 nondeterministic-cached-step: a cached step reads the clock, randomness, the
environment or the network."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from flowplan.codes import make
from flowplan.compiler.frontends.static.definitions import StepDef
from flowplan.diagnostics import Diagnostic
from flowplan.lint.context import FileContext
from flowplan.lint.registry import Rule

# Qualified names read: an entry ending in "." covers everything under it.
SOURCES = {
    "the clock": ("time.time", "time.time_ns", "time.localtime", "time.gmtime", "time.ctime",
                  "time.asctime", "datetime.datetime.now", "datetime.datetime.utcnow",
                  "datetime.datetime.today", "datetime.date.today"),
    "randomness": ("random.", "numpy.random.", "secrets.", "uuid.uuid1", "uuid.uuid4",
                   "os.urandom"),
    "the environment": ("os.environ", "os.environb", "os.getenv", "os.getenvb"),
    "the network": ("requests.", "httpx.", "urllib.request.", "urllib3.", "http.client.",
                    "socket.", "aiohttp.", "ftplib.", "smtplib."),
}
_SEEDS = frozenset({"random.seed", "numpy.random.seed"})
# Generators built from an explicit seed are deterministic.
_SEEDED = frozenset({"random.Random", "numpy.random.default_rng", "numpy.random.RandomState",
                     "numpy.random.Generator"})
_ROOTS = frozenset(p.split(".")[0] for prefixes in SOURCES.values() for p in prefixes)


def _source(name: str | None) -> str | None:
    for what, prefixes in SOURCES.items():
        if name and any(name == p or (p[-1] == "." and name.startswith(p)) for p in prefixes):
            return what
    return None


def _reads(step: StepDef) -> Iterator[tuple[ast.expr, str, str]]:
    """Each expression of the step's body reading a nondeterministic source, in order."""
    facts = step.facts
    body = [n for stmt in step.node.body for n in ast.walk(stmt)]
    nodes = [n for n in body if isinstance(n, (ast.Name, ast.Attribute))]
    names = {id(n): facts.qualified(n) for n in nodes}
    calls = [n for n in body if isinstance(n, ast.Call)]
    seeded = any(facts.qualified(n.func) in _SEEDS for n in calls)
    inner = {id(n.value) for n in nodes if isinstance(n, ast.Attribute)}
    inner |= {id(n.func) for n in calls if n.args and facts.qualified(n.func) in _SEEDED}
    for node in sorted(nodes, key=lambda n: (n.lineno, n.col_offset)):
        name = names[id(node)] or ""
        what = None if id(node) in inner else _source(name)
        if what is not None and not (seeded and what == "randomness"):
            yield node, name, what


def _cached(step: StepDef, ctx: FileContext) -> bool:
    """Whether some use of the step caches it (a step unused here is cached by default)."""
    from flowplan.compiler.frontends.static.templates import step_template
    from flowplan.compiler.frontends.static.values import StepRef

    own = step_template(StepRef(step)).options.enable_cache
    if own is not None:
        return own
    path, _ = step.location
    uses = [(inv.config.enable_cache, plan.config.enable_cache)
            for check in ctx.pipeline_checks for plan in check.plans
            for inv in plan.invocations
            if inv.source.path == path and inv.source.qualname == step.qualname]
    return not uses or any(inv is not False and (inv or plan is not False) for inv, plan in uses)


def check(ctx: FileContext) -> Iterator[Diagnostic]:
    if not any(q.split(".")[0] in _ROOTS for q in ctx.facts.imports.names.values()):
        return  # nothing nondeterministic can be named without importing it
    for step in ctx.facts.steps:
        if isinstance(step.node, ast.ClassDef):
            continue
        read = next(_reads(step), None)
        if read is None or not _cached(step, ctx):
            continue
        node, name, what = read
        path, line, column = ctx.source.where(node)
        end_line, end_column = ctx.source.end(node)
        yield make(
            "FP802",
            f"step `{step.name}` is cached but reads {what} (`{name}`): a cache hit returns "
            "what an earlier run read",
            path=path, line=line, column=column, end_line=end_line, end_column=end_column,
            fix="turn caching off for it (@step(enable_cache=False)), or pass the value in "
            "as a parameter",
        )


RULE = Rule(
    name="nondeterministic-cached-step",
    codes=("FP802",),
    summary="a cached step reads clock, randomness, environment or network",
    rationale="""
        A step's cache key covers its code, inputs and parameters -- not the time, a random
        draw, an environment variable or a web page.  When such a step is cached, a later
        run reuses the first run's result although a fresh execution would differ.  Steps
        with `enable_cache=False` (their own, or inherited from every pipeline that calls
        them) are not reported; nor is randomness after `random.seed(...)`.
    """,
    check=check,
    valid=(
        """
        import random
        import time

        from flowplan import pipeline, step

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
        def token() -> str:
            return os.environ["API_TOKEN"]  # expect: FP802:12

        @step(enable_cache=True)
        def prices(url: str) -> dict:
            return requests.get(url).json()  # expect: FP802:12
        """,
    ),
)
