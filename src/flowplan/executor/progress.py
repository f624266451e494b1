"""What a run tells people while it goes: one line per step start/end, and the final line.

``FLOWPLAN_QUIET=1`` silences the step lines.
"""

from __future__ import annotations

import sys
import threading
from typing import TextIO

from flowplan.enums import ExecutionStatus
from flowplan.env import env_flag

S = ExecutionStatus


class Progress:
    def __init__(self, run_name: str, total: int, stream: TextIO | None = None) -> None:
        self.run_name = run_name
        self.total = total
        self.stream = stream or sys.stderr
        self.quiet = env_flag("QUIET")
        self.counts: dict[ExecutionStatus, int] = {}
        self._lock = threading.Lock()

    def _emit(self, text: str) -> None:
        if not self.quiet:
            with self._lock:
                self.stream.write(text + "\n")
                self.stream.flush()

    def run_started(self, pipeline: str) -> None:
        self._emit(f"Initiating a new run for the pipeline: {pipeline} ({self.run_name}).")

    def step_started(self, step: str) -> None:
        self._emit(f"Step {step} has started.")

    def step_finished(
        self, step: str, status: ExecutionStatus, seconds: float, error: str | None = None
    ) -> None:
        self.counts[status] = self.counts.get(status, 0) + 1
        if status is S.COMPLETED:
            self._emit(f"Step {step} has finished in {seconds:.3f}s.")
        elif status is S.CACHED:
            self._emit(f"Using cached version of step {step}.")
        elif status is S.FAILED:
            last = (error or "").strip().splitlines()[-1:] or [""]
            self._emit(f"Step {step} failed: {last[0]}")
        else:
            self._emit(f"Step {step} was {status.value}.")
