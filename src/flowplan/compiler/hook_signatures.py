"""Hook signatures (DESIGN decision 4), checked when a decorator is applied."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from flowplan.diagnostics import Diagnostic
from flowplan.messages import definitions

if TYPE_CHECKING:
    import inspect

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
    from flowplan.plain_functions import parameters

    return [p.name for p in parameters(hook)]


EMPTY: object = object()  # a parameter without annotation (``inspect.Parameter.empty``)


@dataclass(frozen=True)
class HookParam:
    """One parameter of a hook, as both front ends see it: the tracing front end from
    ``inspect``, the static front end from the source.  ``annotation`` is the annotation
    object (its text under ``from __future__ import annotations``), or ``EMPTY``."""

    name: str
    kind: Literal["positional", "keyword_only", "variadic"]
    has_default: bool
    annotation: object = EMPTY

    @classmethod
    def of(cls, p: inspect.Parameter) -> HookParam:
        kind: Literal["positional", "keyword_only", "variadic"] = "positional"
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            kind = "variadic"
        elif p.kind is p.KEYWORD_ONLY:
            kind = "keyword_only"
        annotation = EMPTY if p.annotation is p.empty else p.annotation
        return cls(p.name, kind, p.default is not p.empty, annotation)


def check_hook(
    hook: object, kind: HookKind, owner: str, location: tuple[str | None, int | None]
) -> tuple[Hook | None, list[Diagnostic]]:
    """Resolve ``hook`` and check its signature; return it with every problem found."""
    import inspect

    try:
        func = resolve_hook(hook)
        params = [HookParam.of(p) for p in inspect.signature(func).parameters.values()]
    except (ImportError, AttributeError, TypeError, ValueError) as exc:
        return None, [definitions.unusable_hook(kind, owner, location, str(exc))]
    problem = hook_problem(kind, params)
    if problem is None:
        return func, []
    return None, [definitions.bad_hook(kind, owner, location, hook_path(func), problem)]


def hook_problem(kind: HookKind, params: Sequence[HookParam]) -> str | None:
    """What is wrong with a hook taking ``params`` (DESIGN decision 4), or None."""
    return _success_problem(params) if kind == "on_success" else _failure_problem(params)


def _success_problem(params: Sequence[HookParam]) -> str | None:
    for p in params:
        if p.kind == "variadic":
            return f"takes *{p.name}/**{p.name}, which flowplan cannot fill"
        if p.name not in SUCCESS_PARAMETERS and not p.has_default:
            return f"takes a parameter `{p.name}`, which flowplan cannot fill"
    return None


def _failure_problem(params: Sequence[HookParam]) -> str | None:
    required = [p for p in params if not p.has_default]
    if any(p.kind == "variadic" for p in params):
        return "takes *args/**kwargs; it may take one exception parameter"
    if len(required) > 1:
        return f"takes {len(required)} parameters; it may take one exception parameter"
    if params:
        annotation = params[0].annotation
        if annotation is not EMPTY and not is_exception_type(annotation):
            return f"annotates `{params[0].name}` as {annotation!r}, not an exception type"
        if params[0].kind == "keyword_only" and not params[0].has_default:
            return f"takes `{params[0].name}` as keyword-only; it must be positional"
    return None


def is_exception_type(annotation: object) -> bool:
    if isinstance(annotation, str):
        return annotation.split(".")[-1].endswith(("Exception", "Error", "BaseException"))
    return isinstance(annotation, type) and issubclass(annotation, BaseException)
