"""The driver: walks a compiled plan with the scheduler, hands ready steps to a backend (up to
``max_workers`` at a time), and applies the execution mode to what comes back.

Each step that runs beside others goes to a daemon thread that blocks in the backend (running
the step, or waiting for its worker process), or is handed over to a backend that follows
its steps itself (Dask: ``hand_over``); either way its result comes back on one queue;
the driver takes results from that queue and is the only writer of run metadata (see
``ledger``).  A step that is ready while nothing else runs is executed in the driver's own
thread.  Under
FAIL_FAST the driver returns as soon as the failure is recorded: running steps are marked
``stopped``, their worker processes killed; a stopped step's thread may finish later, and
its result is discarded.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from types import ModuleType
from typing import TYPE_CHECKING

from flowplan.enums import ExecutionMode, ExecutionStatus
from flowplan.executor.backends import (
    Backend,
    StopFlag,
    ThreadBackend,
    default_workers,
    make_backend,
)
from flowplan.executor.dask_target import dask_target
from flowplan.executor.ledger import Ledger
from flowplan.executor.runner import StepResult, StepTask
from flowplan.executor.scheduler import Scheduler, graph_of
from flowplan.executor.worker import failure

if TYPE_CHECKING:
    from flowplan.compiler.plan import Plan
    from flowplan.compiler.settings import OrchestratorSettings
    from flowplan.store.local import LocalStore

S = ExecutionStatus
TICK = 0.1  # seconds between redraws of a live progress view
HAND_OVER = 256  # steps started together at most (many ready steps start in such groups)


class Driver:
    def __init__(
        self,
        ledger: Ledger,
        settings: OrchestratorSettings,
        by_value: list[ModuleType] | None = None,
    ) -> None:
        self.plan = ledger.plan
        self.state = ledger.state
        self.progress = ledger.progress
        self.ledger = ledger
        self.backend = _backend(self.plan, settings, ledger.store, by_value)
        # How a step runs in the driver's own thread, while no other step runs beside it.
        self.run_alone: Callable[[StepTask, StopFlag], StepResult] = getattr(
            self.backend, "run_alone", self.backend.run
        )
        self.ledger.orchestrator = self.backend.orchestrator
        # Steps run in other processes (which cannot see this one's pending records) only
        # after everything recorded before them is committed.
        self.elsewhere = not isinstance(self.backend, ThreadBackend)
        self.ledger.writer_syncs = not self.elsewhere
        self.max_workers = settings.max_workers or 0  # 0: the backend's capacity
        graph = graph_of(self.plan)
        self.by_id = graph.invocations
        self.scheduler = Scheduler(graph, ExecutionMode(self.plan.config.execution_mode))
        self.should_stop: StopFlag = self.state.stop_event.is_set
        # A live view needs the driver awake to redraw, so no step runs in its thread then.
        self.inline = not self.progress.live
        self.first_failure: str | None = None
        self.threads: StepThreads | None = None  # while the run goes on
        self.results: queue.SimpleQueue[StepResult] = queue.SimpleQueue()

    def run(self) -> None:
        try:
            self._run()
        finally:  # the step threads call back into the driver: no cycle outlives the run
            self.threads = None  # (else the run's whole object graph waits for the collector)

    def _run(self) -> None:
        running: set[str] = set()
        with self.backend.session():
            self.max_workers = max(1, self.max_workers or self.backend.capacity())
            self.threads = StepThreads(self.max_workers, self._work)
            with self.threads:
                try:
                    while True:
                        self._launch_ready(running)
                        if not running:
                            break
                        self._collect(running)
                        lost = self.backend.lost()
                        if lost is not None:  # the cluster is gone: say so, once
                            self._stop(running, lost.diagnostics[0].message)
                            raise lost
                        if running and self._fail_fast_tripped():
                            reason = f"step `{self.first_failure}` failed under FAIL_FAST"
                            self._stop(running, reason)
                except BaseException as exc:  # the run's record is closed by ``drive``
                    reason = (
                        "interrupted" if isinstance(exc, KeyboardInterrupt) else "the run failed"
                    )
                    try:  # running steps are recorded stopped, the others skipped
                        self._stop(running, reason)
                        self.ledger.unstarted(self.scheduler.status)
                    except Exception:  # the store failing too: the first error is the one to see
                        self.state.stop_event.set()
                    raise
        self.ledger.unstarted(self.scheduler.status)

    # -- starting --------------------------------------------------------------------------
    def _launch_ready(self, running: set[str]) -> None:
        while True:
            ready = self.scheduler.ready(self.max_workers - len(running))
            if not ready:
                return
            beside: list[StepTask] = []
            for inv_id in ready:
                task = self.ledger.start(self.by_id[inv_id])
                if task is None:
                    self.scheduler.finish(inv_id, S.CACHED)
                elif self.inline and not running and len(self.scheduler.running) == 1:
                    running.add(inv_id)  # so an interrupt stops its worker process
                    self._before_steps_run()
                    result = self._execute(task, self.run_alone)
                    running.discard(inv_id)
                    self._finish(result)
                else:
                    running.add(inv_id)
                    beside.append(task)
                    if len(beside) == HAND_OVER:  # these start while the rest are recorded
                        self._hand_over(beside)
                        beside = []
            if beside:
                self._hand_over(beside)

    def _hand_over(self, tasks: list[StepTask]) -> None:
        """Start ``tasks`` beside each other: on the backend's own (``hand_over``), else
        each in a step thread; their results come to ``self.results``."""
        self._before_steps_run()
        hand_over = getattr(self.backend, "hand_over", None)
        if hand_over is not None:
            hand_over(tasks, self.should_stop, self.results.put)
            return
        assert self.threads is not None
        for task in tasks:
            self.threads.submit(task)

    def _before_steps_run(self) -> None:
        """Journal what is recorded (a kill while steps run loses none of it); steps run in
        other processes (which cannot see this one's pending records) need it committed."""
        if self.elsewhere:
            self.ledger.writer.flush()
        else:
            self.ledger.writer.journal_pending()

    def _work(self, task: StepTask) -> None:
        try:
            result = self._execute(task, self.backend.run)
        except BaseException as exc:  # a step thread must always report back
            result = failure(task.invocation.id, f"{type(exc).__name__}: {exc}")
        self.results.put(result)

    def _execute(
        self, task: StepTask, run: Callable[[StepTask, StopFlag], StepResult]
    ) -> StepResult:
        try:
            return run(task, self.should_stop)
        except Exception as exc:
            return failure(task.invocation.id, f"{type(exc).__name__}: {exc}")

    # -- finishing -------------------------------------------------------------------------
    def _collect(self, running: set[str]) -> None:
        """Wait for at least one result; record every result that is in (successes first,
        so a step that finished beside a FAIL_FAST failure counts as completed)."""
        batch = [self._next()]
        while True:
            try:
                batch.append(self.results.get_nowait())
            except queue.Empty:
                break
        for result in sorted(batch, key=lambda r: not r.ok):
            if result.stopped and self.backend.lost() is not None:
                continue  # still running: ``run`` records it stopped, with the reason
            if self.scheduler.status.get(result.id) is not S.STOPPED:
                running.discard(result.id)
                self._finish(result)
            elif not result.ok and not result.stopped:  # failed beside the first failure
                running.discard(result.id)
                self.ledger.finish(self.by_id[result.id], result)

    def _next(self) -> StepResult:
        self.ledger.writer.journal_pending()  # the wait may be long
        if not self.progress.live:
            return self.results.get()
        while True:
            try:
                return self.results.get(timeout=TICK)
            except queue.Empty:
                self.progress.tick()

    def _finish(self, result: StepResult) -> None:
        if not result.ok and not result.stopped and self._stops_the_others():
            # FAIL_FAST: the steps running beside this failure stop before it is recorded
            # (and committed), so none of them goes on to see it; ``_stop`` records them.
            others = [inv_id for inv_id in self.scheduler.running if inv_id != result.id]
            if others:
                self.state.stop_event.set()
                self.backend.stop(others)
        status = self.ledger.finish(self.by_id[result.id], result)
        if status is S.FAILED and self.first_failure is None:
            self.first_failure = result.id
        self.scheduler.finish(result.id, status)

    def _stops_the_others(self) -> bool:
        """Whether a failure now stops the steps running beside it (FAIL_FAST, first one)."""
        return self.scheduler.mode is ExecutionMode.FAIL_FAST and not self.scheduler.halted

    def _fail_fast_tripped(self) -> bool:
        return self.scheduler.halted and self.scheduler.mode is ExecutionMode.FAIL_FAST

    def _stop(self, running: set[str], reason: str) -> None:
        """Stop the running steps now: flag them, kill their workers, record them stopped."""
        self.state.stop_event.set()
        if not running:
            return
        self.backend.stop(running)
        for inv_id in sorted(running):
            self.ledger.stopped(inv_id, f"stopped: {reason}")
        running.clear()


class StepThreads:
    """Daemon threads that run steps beside each other (started as needed, reused).

    Daemon, so a step that FAIL_FAST stopped never keeps the interpreter from exiting."""

    def __init__(self, limit: int, work: Callable[[StepTask], None]) -> None:
        self.limit = limit
        self.work = work
        self.jobs: queue.SimpleQueue[StepTask | None] = queue.SimpleQueue()
        self.threads: list[threading.Thread] = []
        self.idle = 0
        self.lock = threading.Lock()

    def submit(self, task: StepTask) -> None:
        with self.lock:
            start = self.idle == 0 and len(self.threads) < self.limit
            self.idle -= 0 if start else 1
        if start:
            thread = threading.Thread(target=self._loop, name="flowplan-step", daemon=True)
            self.threads.append(thread)
            thread.start()
        self.jobs.put(task)

    def _loop(self) -> None:
        while True:
            task = self.jobs.get()
            if task is None:
                return
            self.work(task)
            with self.lock:
                self.idle += 1

    def __enter__(self) -> StepThreads:
        return self

    def __exit__(self, *exc: object) -> None:
        for _ in self.threads:  # busy threads (stopped steps) take theirs when they are done
            self.jobs.put(None)


def _backend(
    plan: Plan,
    settings: OrchestratorSettings,
    store: LocalStore,
    by_value: list[ModuleType] | None,
) -> Backend:
    """The backend of the run's orchestrator."""
    target = dask_target(settings, default_workers())
    if target is None:
        return make_backend(settings.isolation, store, by_value)
    from flowplan.executor.dask_backend import DaskBackend

    fail_fast = ExecutionMode(plan.config.execution_mode) is ExecutionMode.FAIL_FAST
    return DaskBackend(store, target, plan, by_value, fail_fast=fail_fast)
