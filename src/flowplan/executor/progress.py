"""What a run tells people while it goes (on stderr: results are for stdout).

On a terminal (the stream's ``isatty()``), a live view (:mod:`flowplan.executor.live`): what
steps print appears whole, on its own lines, above one status line -- steps done, running,
failed and cached, the elapsed time, the running steps -- that fits the terminal's width.
Elsewhere, plain log lines: one per step start and end.  Both end with one closing line that
says how the run ended (failed steps named, with the command that shows their logs).
``FLOWPLAN_QUIET=1`` (``flow -q``) silences all of it; ``FLOWPLAN_VERBOSE=1`` (``flow -v``)
adds the per-step lines on a terminal too.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, TextIO

from flowplan.diagnostics import Diagnostic
from flowplan.enums import ExecutionStatus
from flowplan.env import env_flag

if TYPE_CHECKING:
    from flowplan.executor.live import LiveView

S = ExecutionStatus
MIN_REDRAW = 0.05  # seconds; the status line is not redrawn more often
OUTCOME_STYLE = {S.COMPLETED: "bold green", S.FAILED: "bold red", S.STOPPED: "bold yellow"}


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
        self.verbose = env_flag("VERBOSE")
        self.live = not self.quiet and (_isatty(self.stream) if live is None else live)
        self.view: LiveView | None = None
        self.counts: dict[ExecutionStatus, int] = {}
        self.running: dict[str, None] = {}
        self.failed: list[str] = []
        self.pipeline = ""
        self.started = time.perf_counter()
        self._drawn = 0.0
        self._lock = threading.Lock()

    # -- events ----------------------------------------------------------------------------
    def run_started(self, pipeline: str) -> None:
        self.pipeline = pipeline
        self.started = time.perf_counter()
        if self.live:
            from flowplan.executor.live import LiveView

            self.view = LiveView(self.stream)
            self.view.start()
        self._line(f"Initiating a new run for the pipeline: {pipeline} ({self.run_name}).")

    @contextmanager
    def showing_output(self) -> Iterator[None]:
        """While inside, what steps print goes above the live status line (on a terminal)."""
        if self.view is None:
            yield
            return
        from flowplan.executor.capture import echo_lines

        with echo_lines(self._echo):
            yield

    # (Quiet, a run shows nothing: its steps are not even counted.)
    def step_started(self, step: str) -> None:
        if self.quiet:
            return
        self.running[step] = None
        self._event(f"Step {step} has started.")

    def step_finished(
        self, step: str, status: ExecutionStatus, seconds: float, error: str | None = None
    ) -> None:
        if self.quiet:
            return
        self.counts[status] = self.counts.get(status, 0) + 1
        self.running.pop(step, None)
        if status is S.FAILED:
            self.failed.append(step)
            last = (error or "").strip().splitlines()[-1:] or [""]
            self._line(f"Step {step} failed: {last[0]}", "red")
        elif status is S.COMPLETED:
            self._event(f"Step {step} has finished in {seconds:.3f}s.")
        elif status is S.CACHED:
            self._event(f"Using cached version of step {step}.")
        else:
            self._event(f"Step {step} was {status.value}.")

    def warnings(self, diagnostics: Iterable[Diagnostic]) -> None:
        for diagnostic in diagnostics:
            self._line(f"warning: {diagnostic.format()}", "yellow")

    def tick(self) -> None:
        """Redraw the status line (its clock moves even when no step ends)."""
        self._draw()

    def run_finished(self, status: ExecutionStatus, reason: str = "") -> None:
        """The closing line: how the run ended, which steps failed, where their logs are."""
        if self.view is not None:
            self.view.stop()
        self._line(self.closing_line(status, reason), OUTCOME_STYLE.get(status, ""))
        self.view = None

    # -- text ------------------------------------------------------------------------------
    def closing_line(self, status: ExecutionStatus, reason: str = "") -> str:
        seconds = time.perf_counter() - self.started
        text = f"Run {self.run_name} {status.value}"
        if reason:
            text += f" ({reason})"
        if self.failed:
            names = ", ".join(f"`{s}`" for s in self.failed)
            text += f": {len(self.failed)} step{'s' * (len(self.failed) > 1)} failed ({names})"
        text += f"; {self.counts_text()} in {seconds:.1f}s."
        if self.failed:
            text += f" Logs: flow runs logs {self.run_name} {self.failed[0]}"
        return text

    def counts_text(self) -> str:
        done = sum(self.counts.values())
        parts = [f"{done}/{self.total} done"]
        for status in (S.COMPLETED, S.CACHED, S.FAILED, S.STOPPED, S.SKIPPED):
            if self.counts.get(status) and status is not S.COMPLETED:
                parts.append(f"{self.counts[status]} {status.value}")
        return ", ".join(parts)

    def status_text(self) -> str:
        """The live line: what is cropped first (the running steps' names) comes last."""
        parts = [self.counts_text()]
        if self.running:
            parts.insert(1, f"{len(self.running)} running")
        text = f"{time.perf_counter() - self.started:.1f}s {', '.join(parts)} [{self.run_name}]"
        if self.running:
            text += " | " + " ".join(self.running)
        return text

    # -- output ----------------------------------------------------------------------------
    def _echo(self, index: int, text: str) -> None:
        if self.view is not None:
            self.view.line(text)
        else:
            self._write(text + "\n")

    def _event(self, text: str) -> None:
        """A per-step line: always off a terminal, on one only with ``-v``."""
        if self.view is None or self.verbose:
            self._line(text)
        else:
            self._draw()

    def _draw(self) -> None:
        if self.view is None:
            return
        now = time.perf_counter()
        if now - self._drawn < MIN_REDRAW:
            return
        self._drawn = now
        self.view.status(self.status_text())

    def _line(self, text: str, style: str = "") -> None:
        """A permanent line (above the live status line, which is redrawn under it)."""
        if self.quiet:
            return
        if self.view is not None:
            self.view.line(text, style)
            self._drawn = 0.0
            self._draw()
        elif self.live:  # after the live view stopped: still rich, for NO_COLOR and styles
            from flowplan.executor.live import LiveView

            LiveView(self.stream).line(text, style)
        else:
            self._write(text + "\n")

    def _write(self, text: str) -> None:
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
