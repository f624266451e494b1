"""FP230 empty-pipeline: a pipeline that the file runs or compiles calls no step (defined
here or in a module it imports)."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from flowplan.analyzer.spellings import spelling_of
from flowplan.compiler.frontends.static.definitions import PipelineDef
from flowplan.compiler.frontends.static.evaluate import Evaluator
from flowplan.compiler.frontends.static.source_options import configure
from flowplan.compiler.frontends.static.values import ModuleRef, PipelineRef
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


def _may_run_one(ctx: FileContext) -> bool:
    """Whether a pipeline that calls nothing is within this file's reach: defined here, or
    imported from a checked module (a whole module imported counts: its pipelines may be
    called through it).  Most files have none, and need no walk."""
    facts = ctx.facts
    if any(_calls_nothing(defn) for defn in facts.pipelines):
        return True
    if any(spelling_of(module) is None for module in facts.imports.star):
        return True
    for name, qualified in facts.imports.names.items():
        if spelling_of(qualified) is not None:
            continue  # flowplan's or ZenML's own names
        value = facts.lookup(name)
        if isinstance(value, ModuleRef) and value.facts is not None:
            return True
        if isinstance(value, PipelineRef) and _calls_nothing(value.definition):
            return True
    return False


def _launched(ctx: FileContext, bodies: set[int]) -> dict[tuple[str, int | None], PipelineDef]:
    """The pipelines this file calls or compiles, by where they are defined -- in this file
    or in a module it imports (calls inside pipeline bodies inline a pipeline: the outer one
    is what runs)."""
    assert ctx.source.tree is not None
    ev = Evaluator(ctx.facts)
    found: dict[tuple[str, int | None], PipelineDef] = {}
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
                found[target.definition.location] = target.definition
    return found


def check(ctx: FileContext) -> Iterator[Diagnostic]:
    """Reported at the pipeline's def, as a run reports it, even when the def is in another
    module: the file that runs the pipeline is the one whose run would fail."""
    if ctx.source.tree is None or not _may_run_one(ctx):
        return
    bodies = {id(defn.node) for defn in ctx.facts.pipelines}
    for location, defn in _launched(ctx, bodies).items():
        if _calls_nothing(defn):
            yield wiring.empty_pipeline(configure(defn, []).name, *location)


RULE = Rule(
    name="empty-pipeline",
    codes=("FP230",),
    summary="a pipeline that is run or compiled calls no step",
    rationale="""
        A run of a pipeline whose body calls no step would record nothing, so compiling one
        (calling it, `.compiled()`, `flow compile`, `flow run`) is an error, as in ZenML.
        `flow check` reports it at the pipeline's def when a checked file calls or
        compiles the pipeline -- defined there or imported from another module -- and its
        body holds no call at all; a pipeline that is only defined -- a documentation
        snippet showing options -- is left alone.
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
