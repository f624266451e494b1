"""FP111 invalid-retry: ``StepRetryConfig`` values out of range, or a ``retry=`` that is not one."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from flowplan.compiler.frontends.static.evaluate import Evaluator
from flowplan.compiler.frontends.static.values import is_known
from flowplan.config.retry_config import retry_problems
from flowplan.diagnostics import Diagnostic
from flowplan.lint.context import FileContext
from flowplan.lint.registry import Rule

RETRY_CLASS = frozenset(
    {"flowplan.StepRetryConfig", "flowplan.config.retry_config.StepRetryConfig"}
)
_FIELDS = ("max_retries", "delay", "backoff")
_DEFAULTS = {"max_retries": 1, "delay": 0.0, "backoff": 1.0}


def _calls(ctx: FileContext) -> Iterator[ast.Call]:
    tree = ctx.source.tree
    if tree is None or "StepRetryConfig" not in ctx.source.text:
        return
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and ctx.facts.qualified(node.func) in RETRY_CLASS:
            yield node


def check(ctx: FileContext) -> Iterator[Diagnostic]:
    """Every ``StepRetryConfig(...)`` with known arguments, wherever it is written (it fails
    where it is called, usually on import), plus ``retry=`` options the front end found."""
    yield from ctx.reported(("FP111",))
    ev = Evaluator(ctx.facts)
    for call in _calls(ctx):
        values = dict(_DEFAULTS)
        values.update(zip(_FIELDS, (ev.value(a) for a in call.args), strict=False))
        values.update({k.arg: ev.value(k.value) for k in call.keywords if k.arg in _FIELDS})
        if not is_known(list(values.values())) or any(k.arg is None for k in call.keywords):
            continue
        for problem in retry_problems(values["max_retries"], values["delay"], values["backoff"]):
            yield problem.with_location(ctx.source.path, call.lineno, None)


RULE = Rule(
    name="invalid-retry",
    codes=("FP111",),
    summary="StepRetryConfig holds invalid values",
    rationale="""
        `StepRetryConfig(max_retries, delay, backoff)` makes `1 + max_retries` attempts,
        waiting `delay`, `delay * backoff`, ... seconds (DESIGN decision 4b).  A negative
        count or delay, a backoff that is not positive, or a `retry=` mapping with an
        unknown key is refused when it is built -- on import, for a decorator.
    """,
    check=check,
    valid=(
        """
        from flowplan import step
        from flowplan.config.retry_config import StepRetryConfig

        @step(retry=StepRetryConfig(max_retries=3, delay=10, backoff=2))
        def fetch() -> int:
            return 1

        @step(retry={"max_retries": 2, "delay": 0.5})
        def upload() -> None:
            pass
        """,
    ),
    invalid=(
        """
        from flowplan import step
        from flowplan.config.retry_config import StepRetryConfig

        RETRY = StepRetryConfig(max_retries=-1, backoff=0)  # expect: FP111:1 FP111:1

        @step(retry={"max_retries": 2, "backof": 2})  # expect: FP111:1
        def fetch() -> int:
            return 1

        @step(retry=3)  # expect: FP111:1
        def upload() -> None:
            pass
        """,
    ),
)
