"""Where a step runs: in the driver's process (``thread``) or in a worker process (``process``);
the Dask orchestrator's backend is in :mod:`flowplan.executor.dask_backend`.

Every backend offers the same calls to the driver: ``session()`` around a run,
``capacity()`` -- how many steps it runs at once unless ``max_workers`` says otherwise, known
once the session is open --, ``run(task, should_stop)`` -- blocking, called from the driver
thread or a step thread, never raising for a user error --, ``stop(ids)`` for FAIL_FAST, and
``lost()``: the error that ended the backend itself (a Dask cluster gone), else None.
A backend may also offer ``hand_over(tasks, should_stop, report)``: it starts the tasks
without blocking and calls ``report`` with each result, from any thread (the Dask backend,
so that a step waiting on a cluster costs the driver no thread).
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from types import ModuleType
from typing import TYPE_CHECKING, Protocol

from flowplan.executor.runner import Attempt, StepResult, StepTask, execute_step
from flowplan.interrupts import (
    StepStopped,
    StepThreadRegistry,
    StepTimedOut,
    in_a_step,
    stoppable_steps,
)
from flowplan.messages import runtime

if TYPE_CHECKING:
    from flowplan.diagnostics import FlowplanError
    from flowplan.executor.procpool import ProcessPool, Worker
    from flowplan.store.artifact_io import ArtifactIO
    from flowplan.store.local import LocalStore

StopFlag = Callable[[], bool]
Report = Callable[[StepResult], None]  # where a handed-over step's result goes


class Backend(Protocol):
    """Where the driver's steps run (see the module docstring)."""

    orchestrator: str  # recorded with each step: `local` or `dask`

    def session(self) -> AbstractContextManager[None]: ...

    def run(self, task: StepTask, should_stop: StopFlag) -> StepResult: ...

    def stop(self, ids: Iterable[str]) -> None: ...

    def capacity(self) -> int: ...

    def lost(self) -> FlowplanError | None: ...


class LocalMachine:
    """What the thread and process backends share: they run as many steps as there are CPUs,
    and nothing external can fail under them."""

    orchestrator = "local"

    def capacity(self) -> int:
        return default_workers()

    def lost(self) -> FlowplanError | None:
        return None


def default_workers() -> int:
    """The CPUs this process may use."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1


class ThreadBackend(LocalMachine):
    """Steps run in the calling process; stopping a step raises ``StepStopped`` in its thread
    (see :mod:`flowplan.interrupts`), and its late result, if any, is discarded."""

    def __init__(self, store: LocalStore) -> None:
        self.store = store
        self.threads = StepThreadRegistry()

    @contextmanager
    def session(self) -> Iterator[None]:
        yield

    def run(self, task: StepTask, should_stop: StopFlag) -> StepResult:
        if should_stop():
            return StepResult(id=task.invocation.id, ok=False, stopped=True)
        if task.timeout is None:  # (run_in_a_thread's first case, one call less per step)
            return _stoppable_run(task, self.store, should_stop, self.threads)
        return run_in_a_thread(task, self.store, should_stop, self.threads)

    def run_alone(self, task: StepTask, should_stop: StopFlag) -> StepResult:
        """:meth:`run` in the driver's own thread, while no other step of the run goes on:
        nothing but that thread can stop the step then (the driver stops steps from it), so
        the step runs without registering its thread -- unless the run itself is called by a
        step of an outer run, whose stops that thread still takes (or the step has a timeout)."""
        if task.timeout is not None or in_a_step():
            return self.run(task, should_stop)
        if should_stop():
            return StepResult(id=task.invocation.id, ok=False, stopped=True)
        return execute_step(task, self.store, should_stop)

    def stop(self, ids: Iterable[str]) -> None:
        """Stop the steps ``ids`` in their threads (their retry waits end on the stop flag)."""
        self.threads.stop(set(ids), StepStopped)


class ProcessBackend(LocalMachine):
    """Each step runs in a reused worker process; stopping a step kills its worker."""

    def __init__(
        self, store: LocalStore, pool: ProcessPool, by_value: list[ModuleType] | None = None
    ) -> None:
        self.store = store
        self.pool = pool
        self.by_value = by_value or []
        self._active: dict[str, Worker] = {}
        self._lock = threading.Lock()

    @contextmanager
    def session(self) -> Iterator[None]:
        from flowplan.executor.worker_protocol import pickled_by_value

        self.pool.start()
        with pickled_by_value(self.by_value):
            yield

    def run(self, task: StepTask, should_stop: StopFlag) -> StepResult:
        from flowplan.executor.procpool import WorkerGone
        from flowplan.executor.worker import failure

        step_id = task.invocation.id
        try:
            payload = self._request(task)
        except Exception as exc:
            return failure(step_id, f"it cannot be sent to a worker process: {exc}")
        worker = self.pool.acquire()
        with self._lock:  # either ``stop`` sees this worker, or this sees the stop flag
            stopped = should_stop()
            if not stopped:
                self._active[step_id] = worker
        if stopped:
            self.pool.release(worker)
            return StepResult(id=step_id, ok=False, stopped=True)
        started = time.time()
        deadline = Deadline(task.timeout, worker.kill)
        try:
            with deadline:
                reply = worker.call(payload)
        except WorkerGone:
            if deadline.expired and task.timeout is not None:
                return timed_out(step_id, task.timeout, started, killed=True)
            if worker.killed:
                return StepResult(id=step_id, ok=False, stopped=True)
            worker.discard()
            return failure(step_id, "its worker process exited before the step finished")
        finally:
            with self._lock:
                self._active.pop(step_id, None)
            self.pool.release(worker)
        import pickle

        result: StepResult = pickle.loads(reply)
        return result

    def _request(self, task: StepTask) -> bytes:
        from flowplan.executor.worker import Request
        from flowplan.executor.worker_protocol import dumps

        request = Request(
            step_id=task.invocation.id,
            task=dumps(task),
            home=str(self.store.home),
            environ=dict(os.environ),
            cwd=os.getcwd(),
            path=list(sys.path),
        )
        import pickle

        return pickle.dumps(request)

    def stop(self, ids: Iterable[str]) -> None:
        """Kill the workers running ``ids`` (call after setting the run's stop flag)."""
        with self._lock:
            for step_id in ids:
                worker = self._active.get(step_id)
                if worker is not None:
                    worker.kill()


class Deadline:
    """Calls ``expire`` once ``seconds`` have passed, unless cancelled first (``with``)."""

    def __init__(self, seconds: float | None, expire: Callable[[], None]) -> None:
        self.seconds = seconds
        self.expired = False
        self._expire = expire
        self._timer: threading.Timer | None = None

    def _fire(self) -> None:
        self.expired = True
        self._expire()

    def __enter__(self) -> Deadline:
        if self.seconds is not None:
            self._timer = threading.Timer(self.seconds, self._fire)
            self._timer.daemon = True
            self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._timer is not None:
            self._timer.cancel()


def run_in_a_thread(
    task: StepTask, store: ArtifactIO, should_stop: StopFlag, threads: StepThreadRegistry
) -> StepResult:
    """Run the step in the calling thread -- or, with a timeout, in a daemon thread of its
    own, waited for at most ``task.timeout`` seconds (thread isolation, and a step on a Dask
    worker).  Past the timeout the step is stopped in its thread through ``threads``: it
    raises ``StepTimedOut`` as soon as it runs Python again, so nothing after a blocking call
    happens, and its late result is discarded.  A thread stuck in one C call that never
    returns (a read from a socket nobody writes to) stays behind, blocked, until its process
    ends; being a daemon thread, it does not keep the process alive."""
    if task.timeout is None:
        return _stoppable_run(task, store, should_stop, threads)
    step_id = task.invocation.id
    started = time.time()
    box: list[StepResult] = []
    thread = threading.Thread(
        target=lambda: box.append(_stoppable_run(task, store, should_stop, threads)),
        name=f"flowplan-step-{step_id}",
        daemon=True,
    )
    thread.start()
    thread.join(task.timeout)
    if box:
        return box[0]
    threads.stop({step_id}, StepTimedOut)
    return timed_out(step_id, task.timeout, started, killed=False)


def _stoppable_run(
    task: StepTask, store: ArtifactIO, should_stop: StopFlag, threads: StepThreadRegistry
) -> StepResult:
    step_id = task.invocation.id
    try:
        with stoppable_steps(threads, step_id):
            return execute_step(task, store, should_stop)
    except (StepStopped, StepTimedOut):
        return StepResult(id=step_id, ok=False, stopped=True)


def timed_out(step_id: str, seconds: float, started: float, killed: bool) -> StepResult:
    """The failed result of a step that ran past its timeout (FP522)."""
    message = runtime.step_timed_out(step_id, seconds, killed).format()
    return StepResult(
        id=step_id,
        ok=False,
        error=message,
        attempts=[Attempt(1, started, time.time(), message)],
    )

def make_backend(
    isolation: str, store: LocalStore, by_value: list[ModuleType] | None = None
) -> ThreadBackend | ProcessBackend:
    if isolation == "process":
        from flowplan.executor.procpool import shared_pool

        return ProcessBackend(store, shared_pool(), by_value)
    return ThreadBackend(store)
