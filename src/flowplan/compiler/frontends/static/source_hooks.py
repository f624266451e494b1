"""Hooks read from source: the same FP108 verdicts and messages as
:func:`flowplan.compiler.hook_signatures.check_hook`, without importing the hook's module.

A hook that is part of flowplan (``flowplan.hooks.alerter_failure_hook``) is checked live --
it is this library.  A hook defined in a checked file is read from its ``def``; an import path
is resolved to a file under the checked roots, or reported when its top-level package exists
nowhere.  Anything else cannot be known and is left alone.
"""

from __future__ import annotations

import ast
import builtins
import importlib.machinery
import sys
import typing
from typing import TYPE_CHECKING, Any

from flowplan.compiler.frontends.static.values import FunctionRef, Unknown
from flowplan.compiler.hook_signatures import (
    EMPTY,
    HookKind,
    HookParam,
    check_hook,
    hook_path,
    hook_problem,
)
from flowplan.compiler.plan import HookRef
from flowplan.diagnostics import Diagnostic
from flowplan.messages.definitions import bad_hook, unusable_hook

if TYPE_CHECKING:
    from flowplan.compiler.frontends.static.facts import ModuleFacts

Where = tuple[str | None, int | None]


def hook_params(ref: FunctionRef) -> list[HookParam] | None:
    """The parameters of a hook defined in a checked file (None for a class)."""
    node = ref.node
    if isinstance(node, ast.ClassDef):
        return None
    args = node.args
    positional = [*args.posonlyargs, *args.args]
    first_default = len(positional) - len(args.defaults)
    params = [
        HookParam(a.arg, "positional", i >= first_default, _annotation(a, ref.module))
        for i, a in enumerate(positional)
    ]
    if args.vararg:
        params.append(HookParam(args.vararg.arg, "variadic", False))
    params += [
        HookParam(a.arg, "keyword_only", d is not None, _annotation(a, ref.module))
        for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True)
    ]
    if args.kwarg:
        params.append(HookParam(args.kwarg.arg, "variadic", False))
    return params


def _annotation(arg: ast.arg, facts: ModuleFacts) -> object:
    """What ``inspect`` would give as the annotation, when that is knowable statically."""
    node = arg.annotation
    if node is None:
        return EMPTY
    if facts.source.future_annotations:
        return ast.unparse(node)
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Name) and node.id not in facts.bindings:
        found = getattr(builtins, node.id, None)
        return found if isinstance(found, type) else EMPTY
    name = facts.qualified(node)
    if name and name.startswith("typing."):
        return getattr(typing, name.split(".", 1)[1], EMPTY)
    return EMPTY


def check_static_hook(
    value: Any, kind: HookKind, owner: str, where: Where, facts: ModuleFacts
) -> tuple[HookRef | None, list[Diagnostic]]:
    """The hook's reference for the plan, and its FP108 problems (as ``check_hook`` finds)."""
    if isinstance(value, str):
        resolved = _resolve_path(value, kind, owner, where, facts)
        if isinstance(resolved, Diagnostic):
            return None, [resolved]
        value = resolved  # a def in a checked file, Unknown, or a path into flowplan
    if isinstance(value, FunctionRef):
        params = hook_params(value)
        if params is None:
            return None, []
        path = f"{value.module.source.module}:{value.qualname}"
        problem = hook_problem(kind, params)
        if problem is not None:
            return None, [bad_hook(kind, owner, where, path, problem)]
        return HookRef(path=path, parameters=[p.name for p in params]), []
    if isinstance(value, Unknown):
        return None, []
    if callable(value) and not getattr(value, "__module__", "").startswith("flowplan"):
        return None, []  # a user object that is not a plain def: cannot be read statically
    hook, problems = check_hook(value, kind, owner, where)  # flowplan's own, or not callable
    if hook is None:
        return None, problems
    import inspect

    return HookRef(path=hook_path(hook), parameters=list(inspect.signature(hook).parameters)), []


def _resolve_path(
    text: str, kind: HookKind, owner: str, where: Where, facts: ModuleFacts
) -> Any:
    module, sep, attr = text.partition(":")
    if not sep:
        module, _, attr = text.rpartition(".")
    if not module or not attr:
        reason = f"{text!r} is not an import path like 'package.module.function'"
        return unusable_hook(kind, owner, where, reason)
    if module.split(".")[0] == "flowplan":
        return text  # importing flowplan's own modules is safe: check it live
    value = facts.program.resolve(f"{module}.{attr}", facts)
    if not isinstance(value, Unknown):
        return value
    top = module.split(".")[0]
    if facts.program.find_module(top, facts) is None and _nowhere(top):
        return unusable_hook(kind, owner, where, f"No module named '{top}'")
    return Unknown("a hook in a module outside the checked files")


def _nowhere(top: str) -> bool:
    """Whether no folder on ``sys.path`` has a top-level module ``top`` (nothing imported)."""
    try:
        found = importlib.machinery.PathFinder.find_spec(top)
        return found is None and top not in sys.builtin_module_names
    except (ImportError, ValueError):
        return False
