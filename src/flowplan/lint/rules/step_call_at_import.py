"""FP804 step-call-at-import: a step called at module level, outside any pipeline."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from flowplan.compiler.frontends.static.evaluate import Evaluator
from flowplan.compiler.frontends.static.values import StepRef
from flowplan.diagnostics import Diagnostic
from flowplan.lint.context import FileContext
from flowplan.lint.direct_calls import module_step_instances
from flowplan.lint.registry import Rule
from flowplan.messages import lint as messages

_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)


def _is_main_guard(stmt: ast.stmt) -> bool:
    test = stmt.test if isinstance(stmt, ast.If) else None
    return (
        isinstance(test, ast.Compare)
        and isinstance(test.left, ast.Name)
        and test.left.id == "__name__"
        and any(isinstance(c, ast.Constant) and c.value == "__main__" for c in test.comparators)
    )


def _import_time_calls(body: list[ast.stmt]) -> Iterator[ast.Call]:
    """Calls that run when the module is imported (not in defs, nor under a main guard)."""
    for stmt in body:
        if isinstance(stmt, _SCOPES) or _is_main_guard(stmt):
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                for decorator in stmt.decorator_list:
                    if not isinstance(decorator, ast.Name):  # a bare name calls nothing
                        yield from (n for n in ast.walk(decorator) if isinstance(n, ast.Call))
            continue
        stack: list[ast.AST] = [stmt]
        while stack:
            node = stack.pop()
            if isinstance(node, ast.Call):
                yield node
            if isinstance(node, ast.stmt) and node is not stmt and isinstance(node, _SCOPES):
                continue
            if isinstance(node, ast.If) and _is_main_guard(node):
                continue
            stack.extend(n for n in ast.iter_child_nodes(node) if not isinstance(n, ast.Lambda))


def check(ctx: FileContext) -> Iterator[Diagnostic]:
    ev = Evaluator(ctx.facts)
    body = ctx.source.tree.body if ctx.source.tree else []
    instances = module_step_instances(ctx)
    for call in _import_time_calls(body):
        if not isinstance(call.func, (ast.Name, ast.Attribute, ast.Call)) or (
                id(call) in instances):
            continue
        step = ev.value(call.func)
        if not isinstance(step, StepRef):
            continue
        path, line, column = ctx.source.where(call)
        span = (path, line, column, *ctx.source.end(call))
        yield messages.step_call_at_import(step.name, span)


RULE = Rule(
    name="step-call-at-import",
    codes=("FP804",),
    summary="a step is called outside any pipeline at import time",
    rationale="""
        Calling a step outside a pipeline runs it at once, as a one-step run recorded in
        the store (DESIGN decision 10).  At module level that happens whenever the module is
        imported -- by a test, by `flow run`, by another pipeline's module -- which is rarely
        what was meant.
    """,
    check=check,
    valid=(
        """
        from flowplan import pipeline, step

        @step
        def load() -> int:
            return 1

        @pipeline
        def training() -> None:
            load()

        if __name__ == "__main__":
            print(load())
        """,
    ),
    invalid=(
        """
        from flowplan import step

        @step
        def load() -> int:
            return 1

        data = load()  # expect: FP804:8
        print(load.with_options(enable_cache=False)())  # expect: FP804:7
        """,
    ),
)
