"""Whether a step is cached where the project runs it (FP802): its own ``enable_cache``, else
every pipeline of the project that calls it -- in this file or any other -- with what the
pipeline's decorator, its launches and their run configurations say about caching."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import TYPE_CHECKING

from flowplan.compiler.frontends.static.definitions import StepDef

if TYPE_CHECKING:
    from flowplan.lint.context import FileContext

_contexts: dict[tuple[int, str], FileContext] = {}


def is_cached(step: StepDef, ctx: FileContext) -> bool:
    """Whether some pipeline caches the step whichever of its run configurations a run
    picks (cached by default when the project calls it nowhere)."""
    from flowplan.compiler.frontends.static.templates import step_template
    from flowplan.compiler.frontends.static.values import StepRef

    own = step_template(StepRef(step)).options.enable_cache
    if own is not None:
        return own
    by_pipeline: dict[tuple[str, str], list[bool]] = {}
    for context in _contexts_using(step, ctx):
        for key, cached in _uses(step, context):
            by_pipeline.setdefault(key, []).append(cached)
    return not by_pipeline or any(all(uses) for uses in by_pipeline.values())


def _uses(step: StepDef, ctx: FileContext) -> list[tuple[tuple[str, str], bool]]:
    """For each (pipeline, run configuration) calling the step: whether it caches it."""
    path, _ = step.location
    found = []
    for check in ctx.all_pipeline_checks:
        config = ctx.check_configs.get(id(check))
        launches = ctx.launches.of(check.pipeline)
        key = (check.pipeline.definition.location[0], check.pipeline.definition.qualname)
        called = False
        for plan in check.plans:
            pipeline = plan.config.enable_cache is not False and launches.cache_may_stay_on
            for inv in plan.invocations:
                if inv.source.path != path or inv.source.qualname != step.qualname:
                    continue
                called = True
                own = inv.config.enable_cache
                if config is not None and inv.id in config.steps and (
                        config.steps[inv.id].enable_cache is not None):
                    own = config.steps[inv.id].enable_cache
                found.append((key, bool(own) if own is not None else pipeline))
        if not called and check.plans and _calls(check.pipeline.definition.node, step, ctx):
            # called on a branch the plans do not take (`if mode == "develop": ... else:
            # step()` with the default `mode`): cached as the pipeline's other steps are
            plan = check.plans[0]
            found.append((key, plan.config.enable_cache is not False and
                          launches.cache_may_stay_on))
    return found


def _calls(node: ast.AST, step: StepDef, ctx: FileContext) -> bool:
    """Whether the pipeline's body (in ``ctx``'s file) calls the step itself."""
    from flowplan.compiler.frontends.static.evaluate import Evaluator
    from flowplan.compiler.frontends.static.values import StepRef

    evaluator = Evaluator(ctx.facts)
    for call in ast.walk(node):
        if isinstance(call, ast.Call) and isinstance(call.func, ast.Name | ast.Attribute) and (
                getattr(call.func, "id", None) or getattr(call.func, "attr", None)) == step.name:
            target = evaluator.value(call.func)
            if isinstance(target, StepRef) and target.definition.location == step.location:
                return True
    return False


def _contexts_using(step: StepDef, ctx: FileContext) -> list[FileContext]:
    """This file's context, and those of the other files of the project whose pipelines may
    call the step (their text names it)."""
    from flowplan.lint.context import FileContext

    found = [ctx]
    for path in ctx.launches.files_naming(step.name.encode(), b"pipeline"):
        if str(path.resolve()) == ctx.source.path:
            continue
        key = (id(ctx.program), str(path))
        if key not in _contexts:
            facts = ctx.program.facts_for(Path(path))
            if facts is None or not facts.pipelines:
                continue
            if len(_contexts) > 256:
                _contexts.clear()
            _contexts[key] = FileContext(facts.source, facts, ctx.program, ctx.config)
        found.append(_contexts[key])
    return found
