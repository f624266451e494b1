"""Hook signatures (DESIGN decision 4), checked when a decorator is applied."""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable
from typing import Any, Literal

from flowplan.codes import make
from flowplan.diagnostics import Diagnostic

HookKind = Literal["on_success", "on_failure"]
SUCCESS_PARAMETERS = ("step_name", "step_output")

Hook = Callable[..., Any]


def resolve_hook(hook: object) -> Hook:
    """A hook given as a callable, or as an import path ``module.func`` / ``module:func``."""
    if callable(hook):
        return hook
    if not isinstance(hook, str):
        raise TypeError(f"a hook must be a function or an import path, not {type(hook).__name__}")
    module_name, sep, attr = hook.partition(":")
    if not sep:
        module_name, _, attr = hook.rpartition(".")
    if not module_name or not attr:
        raise ValueError(f"{hook!r} is not an import path like 'package.module.function'")
    target: object = importlib.import_module(module_name)
    for part in attr.split("."):
        target = getattr(target, part)
    if not callable(target):
        raise TypeError(f"{hook!r} does not name a function")
    return target


def hook_path(hook: Hook) -> str:
    module = getattr(hook, "__module__", None) or "?"
    qualname = getattr(hook, "__qualname__", None) or getattr(hook, "__name__", repr(hook))
    return f"{module}:{qualname}"


def hook_parameters(hook: Hook) -> list[str]:
    return list(inspect.signature(hook).parameters)


def check_hook(
    hook: object, kind: HookKind, owner: str, location: tuple[str | None, int | None]
) -> tuple[Hook | None, list[Diagnostic]]:
    """Resolve ``hook`` and check its signature; return it with every problem found."""
    path, line = location
    where = f"{kind} hook of {owner}"
    try:
        func = resolve_hook(hook)
        params = list(inspect.signature(func).parameters.values())
    except (ImportError, AttributeError, TypeError, ValueError) as exc:
        return None, [
            make(
                "FP108",
                f"{where} cannot be used: {exc}",
                path=path,
                line=line,
                fix="pass a function, or an import path such as 'mypackage.hooks.notify'",
            )
        ]
    problem = _success_problem(params) if kind == "on_success" else _failure_problem(params)
    if problem is None:
        return func, []
    fix = (
        "a success hook takes no parameters, or any of `step_name` and `step_output`"
        if kind == "on_success"
        else "a failure hook takes no parameters or one `exception: BaseException` parameter"
    )
    return None, [
        make("FP108", f"{where} `{hook_path(func)}` {problem}", path=path, line=line, fix=fix)
    ]


def _success_problem(params: list[inspect.Parameter]) -> str | None:
    for p in params:
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            return f"takes *{p.name}/**{p.name}, which flowplan cannot fill"
        if p.name not in SUCCESS_PARAMETERS and p.default is p.empty:
            return f"takes a parameter `{p.name}`, which flowplan cannot fill"
    return None


def _failure_problem(params: list[inspect.Parameter]) -> str | None:
    required = [p for p in params if p.default is p.empty]
    if any(p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) for p in params):
        return "takes *args/**kwargs; it may take one exception parameter"
    if len(required) > 1:
        return f"takes {len(required)} parameters; it may take one exception parameter"
    if params:
        annotation = params[0].annotation
        if annotation is not inspect.Parameter.empty and not _is_exception_type(annotation):
            return f"annotates `{params[0].name}` as {annotation!r}, not an exception type"
        if (
            params[0].kind is inspect.Parameter.KEYWORD_ONLY
            and params[0].default is params[0].empty
        ):
            return f"takes `{params[0].name}` as keyword-only; it must be positional"
    return None


def _is_exception_type(annotation: object) -> bool:
    if isinstance(annotation, str):
        return annotation.split(".")[-1].endswith(("Exception", "Error", "BaseException"))
    return isinstance(annotation, type) and issubclass(annotation, BaseException)
