"""Which step may start now, and what a failure does to the rest (DESIGN decision 5).

Pure bookkeeping, no threads: the driver asks for ready steps, reports each step's end, and
the scheduler applies the execution mode.  Statuses: completed, cached, failed, stopped (was
running when a FAIL_FAST run ended), skipped (never started).

Like ``graphlib.TopologicalSorter`` it counts each step's unfinished dependencies, so a run of
n steps costs O(n + edges), and ready steps come out in plan order.  The graph itself (a
:class:`Graph`, steps by their position in the plan) is made once for the invocations of a
plan and shared by the runs of that plan (:func:`graph_of`).
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping, Sequence
from operator import is_
from typing import TYPE_CHECKING

from flowplan.enums import ExecutionMode, ExecutionStatus

if TYPE_CHECKING:
    from flowplan.compiler.plan import Invocation, Plan

S = ExecutionStatus
GRAPHS_KEPT = 64  # graphs of the latest plans, by pipeline


class Graph:
    """Steps in plan order and who waits for whom, by position (never changed once made)."""

    __slots__ = ("downstream", "index", "invocations", "order", "roots", "waiting")

    def __init__(
        self,
        upstream: Mapping[str, Sequence[str]],
        invocations: Mapping[str, Invocation] | None = None,
    ) -> None:
        self.invocations = invocations or {}  # by id (for a plan's graph)
        self.order = list(upstream)
        self.index = {node: i for i, node in enumerate(self.order)}
        index = self.index
        self.downstream: list[list[int]] = [[] for _ in self.order]
        self.waiting: list[int] = []  # unfinished dependencies of each step, at the start
        for i, deps in enumerate(upstream.values()):
            unique = dict.fromkeys(deps)
            self.waiting.append(len(unique))
            for dep in unique:
                self.downstream[index[dep]].append(i)
        self.roots = [i for i, count in enumerate(self.waiting) if count == 0]  # (a heap)


def graph_of(plan: Plan) -> Graph:
    """The graph of a plan's invocations: the one made for the pipeline's previous plan
    when its invocations are the same objects (a pipeline's next run takes them up, see
    ``compiler.frontends.replay``; nothing changes them once compiled), else a new one."""
    invocations = plan.invocations
    known = _GRAPHS.get(plan.pipeline)
    if (known is not None and len(known[0]) == len(invocations)
            and all(map(is_, known[0], invocations))):
        return known[1]
    by_id = {inv.id: inv for inv in invocations}
    graph = Graph({inv.id: [d for d in inv.upstream() if d in by_id] for inv in invocations},
                  by_id)
    _GRAPHS.pop(plan.pipeline, None)
    if len(_GRAPHS) >= GRAPHS_KEPT:
        del _GRAPHS[next(iter(_GRAPHS))]
    _GRAPHS[plan.pipeline] = (tuple(invocations), graph)
    return graph


# The graph of each pipeline's latest plan, with the invocations it was made for.
_GRAPHS: dict[str, tuple[tuple[Invocation, ...], Graph]] = {}


class Scheduler:
    def __init__(self, graph: Graph | Mapping[str, Sequence[str]], mode: ExecutionMode) -> None:
        self.graph = graph if isinstance(graph, Graph) else Graph(graph)
        self.order = self.graph.order
        self.index = self.graph.index
        self.mode = ExecutionMode(mode)
        self.status: dict[str, ExecutionStatus] = {}
        self.running: set[str] = set()
        self.halted = False  # no new step may start (STOP_ON_FAILURE / FAIL_FAST after a failure)
        self._waiting = list(self.graph.waiting)
        self._ready = list(self.graph.roots)  # positions, a heap

    def ready(self, limit: int | None = None) -> list[str]:
        """Up to ``limit`` steps that may start now, in plan order; marks them running."""
        out: list[str] = []
        heap = self._ready
        while heap and not self.halted and (limit is None or len(out) < limit):
            node = self.order[heapq.heappop(heap)]
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
        if status is S.COMPLETED or status is S.CACHED:
            waiting = self._waiting
            for child in self.graph.downstream[self.index[node]]:
                waiting[child] -= 1
                if not waiting[child]:
                    heapq.heappush(self._ready, child)
        elif status is S.FAILED:
            self._on_failure(node)
        if self.halted and not self.running:  # nothing more starts: the rest is skipped
            self._skip(self.order)

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

    def _descendants(self, node: str) -> list[str]:
        downstream = self.graph.downstream
        seen: dict[int, None] = {}
        stack = list(downstream[self.index[node]])
        while stack:
            current = stack.pop()
            if current not in seen:
                seen[current] = None
                stack.extend(downstream[current])
        return [self.order[i] for i in seen]
