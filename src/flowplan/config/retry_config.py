"""``StepRetryConfig`` at its seed-compatible path ``flowplan.config.retry_config``."""

from __future__ import annotations

import math
from dataclasses import dataclass

from flowplan.diagnostics import CompileError, Diagnostic
from flowplan.messages import definitions


@dataclass(frozen=True)
class StepRetryConfig:
    """Retry a failing step: ``1 + max_retries`` attempts, waiting ``delay``, ``delay*backoff``, ...

    ``delay`` is in seconds; ``delay`` and ``backoff`` are floats (ints accepted).
    """

    max_retries: int = 1
    delay: float = 0.0
    backoff: float = 1.0

    def __post_init__(self) -> None:
        problems = retry_problems(self.max_retries, self.delay, self.backoff)
        if problems:
            from flowplan.callsite import caller_location

            path, line = caller_location()  # the user's StepRetryConfig(...) call
            raise CompileError([p.with_location(path, line, None) for p in problems])
        object.__setattr__(self, "delay", float(self.delay))
        object.__setattr__(self, "backoff", float(self.backoff))

    @property
    def attempts(self) -> int:
        return 1 + self.max_retries

    def wait_before(self, retry_number: int) -> float:
        """Seconds to wait before retry ``retry_number`` (1-based)."""
        return float(self.delay * self.backoff ** (retry_number - 1))

    def to_json(self) -> dict[str, float | int]:
        return {"max_retries": self.max_retries, "delay": self.delay, "backoff": self.backoff}


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def retry_problems(max_retries: object, delay: object, backoff: object) -> list[Diagnostic]:
    """Every problem with a retry configuration, as FP111 diagnostics."""
    problems: list[Diagnostic] = []
    if not isinstance(max_retries, int) or isinstance(max_retries, bool) or max_retries < 0:
        problems.append(
            definitions.bad_max_retries(max_retries)
        )
    if not _is_number(delay) or not math.isfinite(float(delay)) or float(delay) < 0:  # type: ignore[arg-type]
        problems.append(
            definitions.bad_delay(delay)
        )
    if not _is_number(backoff) or not math.isfinite(float(backoff)) or float(backoff) <= 0:  # type: ignore[arg-type]
        problems.append(
            definitions.bad_backoff(backoff)
        )
    return problems
