"""What a run tells people while it goes.

On a terminal (the stream's ``isatty()``), one compact line redrawn in place: steps done,
running, failed and cached, and the elapsed time; failures and warnings are printed above
it, and a summary line replaces it at the end.  Elsewhere, plain log lines: one per step
start and end.  ``FLOWPLAN_QUIET=1`` silences both.
"""

from __future__ import annotations

import shutil
import sys
import threading
import time
from collections.abc import Iterable
from typing import TextIO

from flowplan.diagnostics import Diagnostic
from flowplan.enums import ExecutionStatus
from flowplan.env import env_flag

S = ExecutionStatus
CLEAR = "\r\x1b[K"  # back to the line's start, erase it
MIN_REDRAW = 0.05  # seconds; a live line is not redrawn more often


class Progress:
    def __init__(
        self,
        run_name: str,
        total: int,
        stream: TextIO | None = None,
        *,
        live: bool | None = None,
    ) -> None:
        self.run_name = run_name
        self.total = total
        self.stream = stream if stream is not None else sys.stderr
        self.quiet = env_flag("QUIET")
        self.live = not self.quiet and (_isatty(self.stream) if live is None else live)
        self.counts: dict[ExecutionStatus, int] = {}
        self.running: dict[str, None] = {}
        self.pipeline = ""
        self.started = time.perf_counter()
        self._drawn = 0.0
        self._lock = threading.Lock()

    # -- events ----------------------------------------------------------------------------
    def run_started(self, pipeline: str) -> None:
        self.pipeline = pipeline
        self.started = time.perf_counter()
        self._line(f"Initiating a new run for the pipeline: {pipeline} ({self.run_name}).")

    def step_started(self, step: str) -> None:
        self.running[step] = None
        if self.live:
            self._draw()
        else:
            self._line(f"Step {step} has started.")

    def step_finished(
        self, step: str, status: ExecutionStatus, seconds: float, error: str | None = None
    ) -> None:
        self.counts[status] = self.counts.get(status, 0) + 1
        self.running.pop(step, None)
        if status is S.FAILED:
            last = (error or "").strip().splitlines()[-1:] or [""]
            self._line(f"Step {step} failed: {last[0]}")
        elif self.live:
            self._draw()
        elif status is S.COMPLETED:
            self._line(f"Step {step} has finished in {seconds:.3f}s.")
        elif status is S.CACHED:
            self._line(f"Using cached version of step {step}.")
        else:
            self._line(f"Step {step} was {status.value}.")

    def warnings(self, diagnostics: Iterable[Diagnostic]) -> None:
        for diagnostic in diagnostics:
            self._line(f"warning: {diagnostic.format()}")

    def tick(self) -> None:
        """Redraw the live line (its clock moves even when no step ends)."""
        if self.live:
            self._draw()

    def run_finished(self, status: ExecutionStatus) -> None:
        if self.live:
            self._write(f"{CLEAR}{self.run_name}: {status.value}, {self.summary()}\n")

    # -- drawing ---------------------------------------------------------------------------
    def summary(self) -> str:
        done = sum(self.counts.values())
        parts = [f"{done}/{self.total} done"]
        if self.running:
            parts.append(f"{len(self.running)} running")
        for status in (S.FAILED, S.CACHED, S.STOPPED, S.SKIPPED):
            if self.counts.get(status):
                parts.append(f"{self.counts[status]} {status.value}")
        parts.append(f"{time.perf_counter() - self.started:.1f}s")
        return ", ".join(parts)

    def _draw(self) -> None:
        now = time.perf_counter()
        if now - self._drawn < MIN_REDRAW:
            return
        self._drawn = now
        text = f"{self.pipeline} [{self.run_name}] {self.summary()}"
        if self.running:
            text += " | " + " ".join(self.running)
        width = shutil.get_terminal_size((100, 20)).columns - 1
        self._write(CLEAR + text[:width])

    def _line(self, text: str) -> None:
        """A permanent line (above the live line, which is redrawn under it)."""
        if self.live:
            self._write(f"{CLEAR}{text}\n")
            self._drawn = 0.0
            self._draw()
        else:
            self._write(text + "\n")

    def _write(self, text: str) -> None:
        if self.quiet:
            return
        with self._lock:
            try:
                self.stream.write(text)
                self.stream.flush()
            except (OSError, ValueError):  # a closed stream must not break a run
                pass


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError, OSError):
        return False
