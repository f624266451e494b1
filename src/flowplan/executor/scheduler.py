"""Which step may start now, and what a failure does to the rest (DESIGN decision 5).

Pure bookkeeping, no threads: the driver asks for ready steps, reports each step's end, and
the scheduler applies the execution mode.  Statuses: completed, cached, failed, stopped (was
running when a FAIL_FAST run ended), skipped (never started).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from flowplan.enums import ExecutionMode, ExecutionStatus

S = ExecutionStatus
_DONE_OK = (S.COMPLETED, S.CACHED)


class Scheduler:
    def __init__(self, upstream: Mapping[str, Sequence[str]], mode: ExecutionMode) -> None:
        self.order = list(upstream)
        self.upstream = {k: list(v) for k, v in upstream.items()}
        self.downstream: dict[str, list[str]] = {k: [] for k in upstream}
        for node, deps in self.upstream.items():
            for dep in deps:
                self.downstream[dep].append(node)
        self.mode = ExecutionMode(mode)
        self.status: dict[str, ExecutionStatus] = {}
        self.running: set[str] = set()
        self.halted = False  # no new step may start (STOP_ON_FAILURE / FAIL_FAST after a failure)

    def ready(self) -> list[str]:
        """Steps that may start now, in plan order; marks them running."""
        if self.halted:
            return []
        out = []
        for node in self.order:
            if node in self.status or node in self.running:
                continue
            if all(self.status.get(dep) in _DONE_OK for dep in self.upstream[node]):
                out.append(node)
        self.running.update(out)
        return out

    def finish(self, node: str, status: ExecutionStatus) -> None:
        if self.status.get(node) is S.STOPPED:
            return  # a late result of a step the run already stopped is discarded
        self.running.discard(node)
        self.status[node] = status
        if status is S.FAILED:
            self._on_failure(node)

    def _on_failure(self, node: str) -> None:
        if self.mode is ExecutionMode.CONTINUE_ON_FAILURE:
            self._skip(self._descendants(node))
            return
        self.halted = True
        if self.mode is ExecutionMode.FAIL_FAST:
            for other in sorted(self.running):
                self.status[other] = S.STOPPED
            self.running.clear()
        self._skip_unstarted_if_idle()

    def _skip(self, nodes: Iterable[str]) -> None:
        for node in nodes:
            if node not in self.status and node not in self.running:
                self.status[node] = S.SKIPPED

    def _skip_unstarted_if_idle(self) -> None:
        if self.halted and not self.running:
            self._skip(self.order)

    def _descendants(self, node: str) -> list[str]:
        seen: dict[str, None] = {}
        stack = list(self.downstream[node])
        while stack:
            current = stack.pop()
            if current not in seen:
                seen[current] = None
                stack.extend(self.downstream[current])
        return list(seen)

    def settle(self) -> None:
        """Called after each finish: once a halted run is idle, the rest is skipped."""
        self._skip_unstarted_if_idle()

    @property
    def finished(self) -> bool:
        return not self.running and (
            len(self.status) == len(self.order) or (self.halted and not self.running)
        )

    def failed(self) -> list[str]:
        return [n for n in self.order if self.status.get(n) is S.FAILED]
