"""Enumerations at their seed-compatible import path ``flowplan.enums``."""

from __future__ import annotations

import enum


class ExecutionMode(str, enum.Enum):
    """How a run reacts when a step fails (see the 8-step example of the docs)."""

    CONTINUE_ON_FAILURE = "continue_on_failure"
    STOP_ON_FAILURE = "stop_on_failure"
    FAIL_FAST = "fail_fast"
    # Alias: same member as CONTINUE_ON_FAILURE.
    CONTINUE_ON_ERROR = "continue_on_failure"


class ExecutionStatus(str, enum.Enum):
    """Status of a pipeline run or a step run; ``.value`` is the lower-case word."""

    INITIALIZING = "initializing"
    RUNNING = "running"
    COMPLETED = "completed"
    CACHED = "cached"
    FAILED = "failed"
    STOPPED = "stopped"
    SKIPPED = "skipped"

    @property
    def is_finished(self) -> bool:
        return self not in (ExecutionStatus.INITIALIZING, ExecutionStatus.RUNNING)

    @property
    def is_successful(self) -> bool:
        return self in (ExecutionStatus.COMPLETED, ExecutionStatus.CACHED)
