"""``get_step_context()``: what a running step (or its hook) can learn about its run."""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from flowplan.codes import make
from flowplan.diagnostics import StepContextError


@dataclass(frozen=True)
class StepRunConfig:
    parameters: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class StepRunInfo:
    name: str
    config: StepRunConfig
    attempt: int = 1


@dataclass(frozen=True)
class PipelineRunInfo:
    id: UUID
    name: str


@dataclass(frozen=True)
class PipelineInfo:
    name: str


@dataclass(frozen=True)
class StepContext:
    step_run: StepRunInfo
    pipeline_run: PipelineRunInfo
    pipeline: PipelineInfo


_CONTEXT: contextvars.ContextVar[StepContext | None] = contextvars.ContextVar(
    "flowplan_step_context", default=None
)


def get_step_context() -> StepContext:
    """The context of the step (or hook) that is running now."""
    ctx = _CONTEXT.get()
    if ctx is None:
        raise StepContextError(
            make(
                "FP507",
                "get_step_context() was called outside a running step or hook",
                fix="call it inside a @step function or one of its on_success/on_failure hooks",
            )
        )
    return ctx


@contextmanager
def step_context(ctx: StepContext) -> Iterator[StepContext]:
    token = _CONTEXT.set(ctx)
    try:
        yield ctx
    finally:
        _CONTEXT.reset(token)
