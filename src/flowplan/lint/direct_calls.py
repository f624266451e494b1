"""Steps called outside a pipeline -- at module level, or from a step's own body (a step
calling itself or another step) -- with a required input missing (FP207).  Such a call runs
the step at once (DESIGN decision 10), so it fails as a function call would; pipeline bodies
are checked by the front end."""

from __future__ import annotations

import ast
import bisect
from collections.abc import Iterator

from flowplan.compiler.frontends.static.evaluate import Evaluator
from flowplan.compiler.frontends.static.values import PipelineRef, StepRef
from flowplan.diagnostics import Diagnostic
from flowplan.lint.context import FileContext
from flowplan.messages import wiring

_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)


def missing_inputs(ctx: FileContext) -> list[Diagnostic]:
    tree = ctx.source.tree
    if tree is None:
        return []
    ev = Evaluator(ctx.facts)
    found = []
    instances = module_step_instances(ctx)
    for call in _direct_calls(tree.body, ctx):
        if id(call) in instances:
            continue
        step = ev.value(call.func) if isinstance(call.func, ast.Name | ast.Attribute) else None
        if not isinstance(step, StepRef) or not isinstance(
                step.definition.node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        missing = _unbound(step.definition.node.args, call)
        if missing:
            path, line, column = ctx.source.where(call)
            found.append(wiring.missing_inputs(step.name, missing, path, line, column))
    return found


def _direct_calls(body: list[ast.stmt], ctx: FileContext) -> Iterator[ast.Call]:
    """Calls in module-level code (outside defs and classes) and in the bodies of steps."""
    steps = {id(d.node) for d in ctx.steps}
    with_parens = [number for number, line in enumerate(ctx.source.lines, 1) if "(" in line]
    stack: list[ast.AST] = list(body)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and id(node) in steps:
            if _may_call(with_parens, node):
                stack.extend(node.body)
            continue
        if isinstance(node, _SCOPES):
            continue
        if isinstance(node, ast.Call):
            yield node
        stack.extend(ast.iter_child_nodes(node))


def _may_call(with_parens: list[int], node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """Whether the def's body may hold a call: a call is written with a parenthesis, and
    most step bodies (``return value + 1``) have none -- no need to walk them.
    ``with_parens``: the numbers of the lines holding one, in order."""
    first = node.body[0].lineno
    last = node.end_lineno if node.end_lineno is not None else first
    at = bisect.bisect_left(with_parens, first)
    return at < len(with_parens) and with_parens[at] <= last


def _unbound(args: ast.arguments, call: ast.Call) -> list[str]:
    """Required parameters the call gives no value (nothing is known with ``*``/``**``)."""
    if any(isinstance(a, ast.Starred) for a in call.args) or any(
            k.arg is None for k in call.keywords):
        return []
    positional = [*args.posonlyargs, *args.args]
    first_default = len(positional) - len(args.defaults)
    given = {a.arg for a in positional[:len(call.args)]} | {k.arg for k in call.keywords}
    required = [a.arg for i, a in enumerate(positional) if i < first_default]
    required += [a.arg for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True)
                 if d is None]
    return [name for name in required if name not in given]


def module_step_instances(ctx: FileContext) -> set[int]:
    """:func:`step_instances` of the checked module, found once for every rule."""
    found: set[int] | None = ctx.shared.get("step_instances")
    if found is None:
        body = ctx.source.tree.body if ctx.source.tree is not None else []
        found = ctx.shared["step_instances"] = step_instances(body, Evaluator(ctx.facts))
    return found


def step_instances(body: list[ast.stmt], ev: Evaluator) -> set[int]:
    """Module-level step calls that make a step *instance* for a pipeline (ZenML's API
    before 0.40: ``p = training(loader=load(path="x"))`` where ``training(loader)`` calls
    ``loader()`` in its body): the call binds a slot of the pipeline, it runs nothing."""
    assigned: dict[str, list[ast.expr]] = {}
    calls: list[ast.Call] = []
    for node in _module_level(body):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    assigned.setdefault(target.id, []).append(node.value)
        elif isinstance(node, ast.Call):
            calls.append(node)
    found: set[int] = set()
    for call in calls:
        pipeline = ev.value(call.func) if isinstance(call.func, ast.Name | ast.Attribute) else None
        if not isinstance(pipeline, PipelineRef):
            continue
        for value in _slot_arguments(pipeline.definition.node, call):
            found |= {id(v) for v in [value, *assigned.get(getattr(value, "id", ""), [])]
                      if isinstance(v, ast.Call)}
    return found


def _slot_arguments(node: ast.AST, call: ast.Call) -> list[ast.expr]:
    """The arguments of ``call`` bound to parameters the pipeline calls in its body."""
    if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        return []
    params = [a.arg for a in (*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs)]
    called = {n.func.id for n in ast.walk(node) if isinstance(n, ast.Call)
              and isinstance(n.func, ast.Name) and n.func.id in params}
    bound = [v for name, v in zip(params, call.args, strict=False) if name in called]
    return bound + [k.value for k in call.keywords if k.arg in called]


def _module_level(body: list[ast.stmt]) -> Iterator[ast.AST]:
    stack: list[ast.AST] = list(body)
    while stack:
        node = stack.pop()
        if isinstance(node, _SCOPES):
            continue
        yield node
        stack.extend(ast.iter_child_nodes(node))
