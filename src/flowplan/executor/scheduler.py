"""Which step may start now, and what a failure does to the rest (DESIGN decision 5).

Pure bookkeeping, no threads: the driver asks for ready steps, reports each step's end, and
the scheduler applies the execution mode.  Statuses: completed, cached, failed, stopped (was
running when a FAIL_FAST run ended), skipped (never started).

Like ``graphlib.TopologicalSorter`` it counts each step's unfinished dependencies, so a run of
n steps costs O(n + edges), and ready steps come out in plan order.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping, Sequence

from flowplan.enums import ExecutionMode, ExecutionStatus

S = ExecutionStatus
_DONE_OK = (S.COMPLETED, S.CACHED)


class Scheduler:
    def __init__(self, upstream: Mapping[str, Sequence[str]], mode: ExecutionMode) -> None:
        self.order = list(upstream)
        self.index = {node: i for i, node in enumerate(self.order)}
        self.upstream = {k: list(dict.fromkeys(v)) for k, v in upstream.items()}
        self.downstream: dict[str, list[str]] = {k: [] for k in upstream}
        for node, deps in self.upstream.items():
            for dep in deps:
                self.downstream[dep].append(node)
        self.mode = ExecutionMode(mode)
        self.status: dict[str, ExecutionStatus] = {}
        self.running: set[str] = set()
        self.halted = False  # no new step may start (STOP_ON_FAILURE / FAIL_FAST after a failure)
        self._waiting = {node: len(deps) for node, deps in self.upstream.items()}
        self._ready = [self.index[n] for n, count in self._waiting.items() if count == 0]
        heapq.heapify(self._ready)

    def ready(self, limit: int | None = None) -> list[str]:
        """Up to ``limit`` steps that may start now, in plan order; marks them running."""
        out: list[str] = []
        while self._ready and not self.halted and (limit is None or len(out) < limit):
            node = self.order[heapq.heappop(self._ready)]
            if node not in self.status:  # a step skipped meanwhile never starts
                out.append(node)
        self.running.update(out)
        return out

    def finish(self, node: str, status: ExecutionStatus) -> None:
        """Record a step's end and apply the execution mode."""
        if self.status.get(node) is S.STOPPED:
            return  # a late result of a step the run already stopped is discarded
        self.running.discard(node)
        self.status[node] = status
        if status in _DONE_OK:
            for child in self.downstream[node]:
                self._waiting[child] -= 1
                if self._waiting[child] == 0:
                    heapq.heappush(self._ready, self.index[child])
        elif status is S.FAILED:
            self._on_failure(node)
        self._skip_unstarted_if_idle()

    def _on_failure(self, node: str) -> None:
        if self.mode is ExecutionMode.CONTINUE_ON_FAILURE:
            self._skip(self._descendants(node))
            return
        self.halted = True
        if self.mode is ExecutionMode.FAIL_FAST:
            for other in sorted(self.running):
                self.status[other] = S.STOPPED
            self.running.clear()

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
