"""The tracer of the pipeline body being traced right now, if any.

A step or pipeline called inside a pipeline body does not run: it is recorded by the active
tracer (:class:`flowplan.compiler.frontends.trace.Tracer`).  The decorator objects look the
tracer up here, through the small interface they need, so that they and the tracing front
end do not import each other.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from types import CodeType
from typing import Any, Protocol


class ActiveTracer(Protocol):
    """What the decorator objects and placeholders use of the tracer."""

    pipeline_name: str
    body_codes: set[CodeType]

    def call_step(self, step: Any, args: Sequence[Any], kwargs: dict[str, Any]) -> Any: ...


_CURRENT: contextvars.ContextVar[ActiveTracer | None] = contextvars.ContextVar(
    "flowplan_tracer", default=None
)


def current_tracer() -> ActiveTracer | None:
    return _CURRENT.get()


@contextmanager
def tracing(tracer: ActiveTracer) -> Iterator[None]:
    """Make ``tracer`` the active tracer for the duration."""
    token = _CURRENT.set(tracer)
    try:
        yield
    finally:
        _CURRENT.reset(token)
