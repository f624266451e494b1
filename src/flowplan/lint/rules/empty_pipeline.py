"""FP230 empty-pipeline: a pipeline that the file runs or compiles (from anywhere) calls no step."""

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


def _calls_nothing(defn: PipelineDef, seen: frozenset[int] = frozenset()) -> bool:
    """A body whose calls, if any, all call pipelines that call nothing: a run records no
    step (a body that calls anything else -- a step, a helper, a parameter -- is left to the
    run).  Most bodies are decided by their first call."""
    node = defn.node
    if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) or id(node) in seen:
        return False
    skip: set[int] = set()  # `inner.with_options(...)()` is one call of `inner`
    local: set[str] | None = None
    for call in (n for stmt in node.body for n in ast.walk(stmt) if isinstance(n, ast.Call)):
        root = call.func
        while isinstance(root, (ast.Attribute, ast.Call)):
            skip.add(id(root))
            root = root.value if isinstance(root, ast.Attribute) else root.func
        if id(call) in skip:
            continue
        name = root.id if isinstance(root, ast.Name) else None
        target = Evaluator(defn.facts).value(call.func) if name else None
        if not (isinstance(target, PipelineRef)
                and _calls_nothing(target.definition, seen | {id(node)})):
            return False
        if local is None:  # names the body binds may hide the module's pipelines
            local = {n.arg for n in ast.walk(node) if isinstance(n, ast.arg)} | {
                n.id for n in ast.walk(node)
                if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load)}
        if name in local:
            return False
    return True


def _may_run_one(ctx: FileContext) -> bool:
    """Whether a pipeline that calls nothing is defined here or imported (a whole module
    imported counts).  Most files have none, and need no walk."""
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
    """The pipelines this file calls or compiles, by where they are defined (calls inside
    pipeline bodies inline a pipeline: the outer one is what runs)."""
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
    """At the pipeline's def, as a run reports it, even when the def is in another module.
    The whole module is read: when it is checked in shards, by the first one only."""
    if ctx.shard is not None and ctx.shard.index:
        return
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
        body holds no call, or only calls of pipelines that call nothing; a pipeline that is
        only defined -- a documentation snippet showing options -- is left alone.
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
