"""Running hooks (DESIGN decision 4): a hook that raises becomes a warning, never a status."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from flowplan.diagnostics import Diagnostic
from flowplan.messages import runtime


def _warning(kind: str, step: str, hook: Callable[..., Any], exc: BaseException) -> Diagnostic:
    name = getattr(hook, "__qualname__", repr(hook))
    return runtime.hook_failed(kind, name, step, exc)


def run_success_hook(hook: Callable[..., Any] | None, step: str, output: Any) -> list[Diagnostic]:
    if hook is None:
        return []
    available = {"step_name": step, "step_output": output}
    wanted = inspect.signature(hook).parameters
    try:
        hook(**{k: v for k, v in available.items() if k in wanted})
    except Exception as exc:
        return [_warning("on_success", step, hook, exc)]
    return []


def run_failure_hook(
    hook: Callable[..., Any] | None, step: str, error: BaseException
) -> list[Diagnostic]:
    if hook is None:
        return []
    try:
        if inspect.signature(hook).parameters:
            hook(error)
        else:
            hook()
    except Exception as exc:
        return [_warning("on_failure", step, hook, exc)]
    return []
