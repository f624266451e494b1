"""FP230 empty-pipeline: a pipeline that the file runs or compiles calls no step."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from flowplan.compiler.frontends.static.definitions import PipelineDef
from flowplan.compiler.frontends.static.evaluate import Evaluator
from flowplan.compiler.frontends.static.source_options import configure
from flowplan.compiler.frontends.static.values import PipelineRef
from flowplan.diagnostics import Diagnostic
from flowplan.lint.context import FileContext
from flowplan.lint.registry import Rule
from flowplan.messages import wiring

_COMPILING = frozenset({"compile", "compiled"})  # pipe.compile(), pipe.compiled()


def _calls_nothing(defn: PipelineDef) -> bool:
    """A body without a single call: a run records no step, whatever the arguments (a body
    that calls anything -- a helper, a parameter, a factory -- is left to the run)."""
    node = defn.node
    if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return False
    return not any(isinstance(n, ast.Call) for stmt in node.body for n in ast.walk(stmt))


def _launched(ctx: FileContext, bodies: set[int]) -> set[tuple[str, int | None]]:
    """Where the pipelines this file calls or compiles are defined (calls inside pipeline
    bodies inline a pipeline: the outer one is what runs)."""
    assert ctx.source.tree is not None
    ev = Evaluator(ctx.facts)
    found: set[tuple[str, int | None]] = set()
    stack: list[ast.AST] = [ctx.source.tree]
    while stack:
        node = stack.pop()
        if id(node) in bodies:
            continue
        stack.extend(ast.iter_child_nodes(node))
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr in _COMPILING:
            func = func.value
        if isinstance(func, (ast.Name, ast.Attribute, ast.Call)):
            target = ev.value(func)
            if isinstance(target, PipelineRef):
                path, line = target.definition.location
                found.add((path, line))
    return found


def check(ctx: FileContext) -> Iterator[Diagnostic]:
    empty = [defn for defn in ctx.facts.pipelines if _calls_nothing(defn)]
    if not empty or ctx.source.tree is None:
        return
    bodies = {id(defn.node) for defn in ctx.facts.pipelines}
    launched = _launched(ctx, bodies)
    for defn in empty:
        if defn.location in launched:
            yield wiring.empty_pipeline(configure(defn, []).name, *defn.location)


RULE = Rule(
    name="empty-pipeline",
    codes=("FP230",),
    summary="a pipeline that is run or compiled calls no step",
    rationale="""
        A run of a pipeline whose body calls no step would record nothing, so compiling one
        (calling it, `.compiled()`, `flow compile`, `flow run`) is an error, as in ZenML.
        `flow check` reports it at the pipeline's def when the checked file calls or
        compiles the pipeline and its body holds no call at all; a pipeline that is only
        defined -- a documentation snippet showing options -- is left alone.
    """,
    check=check,
    valid=(
        """
        from flowplan import pipeline

        @pipeline(enable_cache=False)
        def my_pipeline():
            ...
        """,
        """
        from flowplan import pipeline, step

        @step
        def load() -> int:
            return 1

        @pipeline
        def loading() -> None:
            load()

        loading()
        """,
    ),
    invalid=(
        """
        from flowplan import pipeline

        @pipeline  # expect: FP230:1
        def nothing_to_do() -> None:
            pass

        if __name__ == "__main__":
            nothing_to_do()
        """,
    ),
)
