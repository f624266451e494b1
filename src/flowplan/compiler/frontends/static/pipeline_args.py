"""Binding the arguments of a pipeline (or helper) call to its parameters, as Python does.

An ``inspect.Signature`` is built from the def's parameter names, kinds and which have
defaults, so a wrong call fails with exactly the ``TypeError`` text of the real function --
which is what FP213 quotes when a traced run binds a pipeline's arguments.
"""

from __future__ import annotations

import ast
import copy
import functools
import inspect
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from flowplan.compiler.frontends.static.values import PipelineRef, Unknown
from flowplan.diagnostics import Diagnostic
from flowplan.messages import wiring

if TYPE_CHECKING:
    from flowplan.compiler.frontends.static.facts import ModuleFacts

FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef
_HAS_DEFAULT = object()


@functools.lru_cache(maxsize=4096)
def signature_of(func: FunctionNode) -> inspect.Signature:
    args = func.args
    params: list[inspect.Parameter] = []
    positional = [*args.posonlyargs, *args.args]
    first_default = len(positional) - len(args.defaults)
    for i, a in enumerate(positional):
        kind = (
            inspect.Parameter.POSITIONAL_ONLY
            if i < len(args.posonlyargs)
            else inspect.Parameter.POSITIONAL_OR_KEYWORD
        )
        default = _HAS_DEFAULT if i >= first_default else inspect.Parameter.empty
        params.append(inspect.Parameter(a.arg, kind, default=default))
    if args.vararg:
        params.append(inspect.Parameter(args.vararg.arg, inspect.Parameter.VAR_POSITIONAL))
    for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True):
        default = inspect.Parameter.empty if d is None else _HAS_DEFAULT
        params.append(inspect.Parameter(a.arg, inspect.Parameter.KEYWORD_ONLY, default=default))
    if args.kwarg:
        params.append(inspect.Parameter(args.kwarg.arg, inspect.Parameter.VAR_KEYWORD))
    return inspect.Signature(params)


def defaults_of(func: FunctionNode) -> dict[str, ast.expr]:
    """Each parameter with a default, and the default's expression."""
    args = func.args
    positional = [*args.posonlyargs, *args.args]
    found = dict(zip([a.arg for a in positional[len(positional) - len(args.defaults):]],
                     args.defaults, strict=True))
    found.update({a.arg: d for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True)
                  if d is not None})
    return found


def default_values(facts: ModuleFacts, func: FunctionNode) -> dict[str, Any]:
    """The defaults, evaluated once in the module's scope (where Python evaluates them);
    a copy each time, so that a body appending to a default list changes only its pass."""
    from flowplan.compiler.frontends.static.evaluate import Evaluator

    found = facts.defaults.get(id(func))
    if found is None:
        ev = Evaluator(facts)
        found = facts.defaults[id(func)] = {
            name: ev.value(expr) for name, expr in defaults_of(func).items()
        }
    if any(isinstance(v, (list, dict, set)) for v in found.values()):
        return copy.deepcopy(found)
    return dict(found)


def bind_arguments(
    facts: ModuleFacts,
    func: FunctionNode,
    args: list[Any],
    kwargs: Mapping[str, Any],
    pipeline: PipelineRef | None,
    where: tuple[str, int, int],
) -> dict[str, Any] | Diagnostic | Unknown:
    """Parameter values with defaults applied; FP213 for a pipeline called wrongly."""
    sig = signature_of(func)
    try:
        bound = sig.bind(*args, **kwargs)
    except TypeError as exc:
        if pipeline is None:
            return Unknown("a helper called with arguments it does not take")
        return wrong_arguments(pipeline, sig, kwargs, str(exc), where)
    values = dict(bound.arguments)
    for name, value in default_values(facts, func).items():
        values.setdefault(name, value)
    for param in sig.parameters.values():
        if param.kind is param.VAR_POSITIONAL:
            values[param.name] = tuple(values.get(param.name, ()))
        elif param.kind is param.VAR_KEYWORD:
            values[param.name] = dict(values.get(param.name, {}))
    return values


def wrong_arguments(
    pipeline: PipelineRef,
    sig: inspect.Signature,
    kwargs: Mapping[str, Any],
    reason: str,
    where: tuple[str | None, int | None, int | None],
) -> Diagnostic:
    """FP213 with the words of :func:`flowplan.compiler.build.bind_parameters`."""
    path, line, column = where
    return wiring.pipeline_arguments(
        pipeline.name, reason, sig.parameters, kwargs, path, line, column
    )
