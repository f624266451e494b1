"""The Dask orchestrator (DESIGN decision 14): every step runs as a task on a Dask cluster.

Chosen by ``dask_address`` in a pipeline's orchestrator settings, or by ``orchestrator = "dask"``
in ``[tool.flowplan]`` (``FLOWPLAN_ORCHESTRATOR=dask``, with ``dask-address`` /
``FLOWPLAN_DASK_ADDRESS``).  With an address the run connects to that scheduler; without one
it starts a LocalCluster for the run (:mod:`flowplan.executor.dask_cluster`) and closes it after.

Before any step runs, the session checks the cluster (:mod:`flowplan.executor.dask_checks`):
the artifact store is one every worker process can reach (``memory://`` is refused), every
worker finds the store's marker where it would write (``FP557``), at least one worker is
there (waiting up to ``dask-worker-timeout``), and the resources steps ask for exist.  The
dashboard link is printed, and as many steps are handed to the cluster at once as it has
threads (twice over, so no worker waits for the driver; at least ``MIN_IN_FLIGHT``), in
batches both ways (:mod:`flowplan.executor.dask_batches`).

The driver schedules as always: a step becomes a Dask task when its inputs are done, and
independent steps run at once on different workers.  A worker runs the step with its retries
and hooks, writes the outputs' files and returns the result; only the driver writes run
metadata.  Under FAIL_FAST the driver cancels the tasks still running and sets the run's Dask
``Event``, which ends their retry waits and skips their hooks; Dask cannot interrupt a task
that is executing, so a step on a cluster the run did not start finishes in the background
and its result is dropped.  A lost scheduler ends the run with one ``FP555``; a worker that
dies under a step counts as one of its attempts (:mod:`flowplan.executor.dask_deaths`).

Step code travels with cloudpickle, by value where the workers cannot import it by name
(:mod:`flowplan.executor.dask_shipping`).
"""

from __future__ import annotations

import itertools
import secrets
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import ExitStack, contextmanager
from functools import partial
from types import ModuleType
from typing import TYPE_CHECKING, Any

from flowplan.diagnostics import ConfigError, FlowplanError
from flowplan.executor.collector import heap_set_aside
from flowplan.executor.dask_batches import Courier, Parcel
from flowplan.executor.dask_deaths import Deaths, Died, run_with_deaths
from flowplan.executor.dask_shipping import ShippedModules
from flowplan.executor.dask_target import DaskTarget
from flowplan.executor.dask_worker import run_task, run_tasks
from flowplan.executor.runner import StepResult, StepTask
from flowplan.executor.worker import failure
from flowplan.messages import runtime, settings

if TYPE_CHECKING:
    from flowplan.compiler.plan import Plan
    from flowplan.executor.backends import Report, StopFlag
    from flowplan.executor.dask_cluster import LocalDaskCluster
    from flowplan.store.local import LocalStore

CONNECT_TIMEOUT = 15  # seconds to reach a scheduler
CLOSE_TIMEOUT = 10  # seconds to close the connection to it
MIN_IN_FLIGHT = 4096  # steps handed to a cluster at once, however small it is
FUSE_BELOW = 0.05  # seconds: a step that took longer never shares a task (dask_batches)
POLL = 0.25  # seconds between looks at the run's stop flag while a task runs (a stop
# also cancels the task, which ends the wait at once)


def require_distributed() -> None:
    """``FP304`` with an install hint when the Dask orchestrator is chosen but not installed."""
    try:
        import distributed  # noqa: F401
    except ImportError:
        raise ConfigError(
            settings.dask_not_installed()
        ) from None


class DaskBackend:
    """Runs each step as a Dask task; ``stop`` cancels tasks and signals their workers."""

    orchestrator = "dask"

    def __init__(
        self,
        store: LocalStore,
        target: DaskTarget,
        plan: Plan,
        by_value: list[ModuleType] | None = None,
        *,
        fail_fast: bool = False,
    ) -> None:
        require_distributed()
        self.store = store
        self.target = target
        self.plan = plan
        self.by_value = by_value or []
        self.stop_event = f"flowplan-stop-{secrets.token_hex(8)}" if fail_fast else None
        self.client: Any = None
        self.address = target.address or ""
        self.cluster: LocalDaskCluster | None = None
        self.threads = 1
        self._resources: dict[str, dict[str, float]] = {}
        self._parcels: dict[str, Parcel] = {}
        self._courier: Courier | None = None
        self._lock = threading.Lock()
        self._shipping = ShippedModules()
        self._lost: FlowplanError | None = None
        self._deaths = Deaths()
        self._slow: set[str] = set()  # steps seen to take FUSE_BELOW or more: never fused
        self._keys = f"flowplan-{secrets.token_hex(6)}"  # the run's Dask keys begin so
        self._sent = itertools.count()  # tasks made: each key is new, a retried step's too

    @contextmanager
    def session(self) -> Iterator[None]:
        from flowplan.executor import dask_checks
        from flowplan.executor.dask_cluster import local_cluster
        from flowplan.executor.dask_scheduler_plugin import install as install_death_plugin
        from flowplan.executor.worker_protocol import pickled_by_value

        location = dask_checks.artifact_location(self.store)  # FP558 before connecting
        self._resources = dask_checks.step_resources(self.plan)
        with ExitStack() as stack:
            stack.enter_context(heap_set_aside(len(self.plan.invocations)))
            if self.target.address is None:
                self.cluster = stack.enter_context(local_cluster(self.target.n_workers))
                self.address = self.cluster.address
            self.client = stack.enter_context(connected(self.address))
            install_death_plugin(self.client)  # before any task: see dask_deaths
            dask_checks.announce_dashboard(self.client)
            workers = dask_checks.wait_for_workers(self.client, self.address)
            self.threads = sum(w.get("nthreads", 1) for w in workers.values())
            dask_checks.check_locations(self.client, location)
            dask_checks.check_resources(self._resources, workers)
            stack.enter_context(pickled_by_value(self.by_value))
            stack.enter_context(self._shipping)
            self._courier = Courier(
                self.client,
                run_task,
                location,
                self.stop_event,
                threads=self.threads,
                bundled=run_tasks,
            )
            stack.callback(self._courier.close)
            yield

    def capacity(self) -> int:
        """Steps handed to the cluster at once: twice its threads, so none waits for us, and
        at least ``MIN_IN_FLIGHT``, so that steps ready together go in few batches and
        results come back in batches (:mod:`flowplan.executor.dask_batches`); Dask queues
        what workers cannot take yet, as it does for ``client.map``.  A step handed over
        costs the driver no thread (:meth:`hand_over`)."""
        return max(MIN_IN_FLIGHT, 2 * self.threads)

    def lost(self) -> FlowplanError | None:
        """``FP555`` once the connection to the scheduler is gone (None while it holds)."""
        return self._lost

    def run(self, task: StepTask, should_stop: StopFlag) -> StepResult:
        return run_with_deaths(
            task, lambda current: self._once(current, should_stop), self._deaths, should_stop
        )

    def hand_over(self, tasks: list[StepTask], should_stop: StopFlag, report: Report) -> None:
        """Start ``tasks`` without a thread each: ``report`` gets each step's result, from the
        courier's thread when its task finished well (the common case), else from a thread
        started then, which follows the step as :meth:`run` would (its worker's death,
        retries after it, a lost cluster)."""
        parcels: list[tuple[Parcel, StepTask]] = []
        for task in tasks:
            parcel = self._parcel(task)
            if isinstance(parcel, StepResult):
                report(parcel)
                continue
            parcel.on_done = partial(
                self._settle, task=task, should_stop=should_stop, report=report
            )
            parcel.fusable = task.invocation.step not in self._slow
            parcels.append((parcel, task))
        if self._send([p for p, _ in parcels], should_stop):
            return
        for parcel, _ in parcels:
            report(StepResult(id=parcel.step_id, ok=False, stopped=True))

    def _settle(
        self, parcel: Parcel, task: StepTask, should_stop: StopFlag, report: Report
    ) -> None:
        """A handed-over step's task is over: report its result, or follow it up."""
        if parcel.result is not None or should_stop():
            with self._lock:
                self._parcels.pop(parcel.step_id, None)
            result = parcel.result
            attempts = result.attempts if result is not None else []
            if attempts and (attempts[-1].ended or 0) - attempts[0].started >= FUSE_BELOW:
                self._slow.add(task.invocation.step)  # its steps get tasks of their own
            report(result or StepResult(id=parcel.step_id, ok=False, stopped=True))
            return
        threading.Thread(
            target=self._follow_up,
            args=(parcel, task, should_stop, report),
            name="flowplan-step",
            daemon=True,
        ).start()

    def _follow_up(
        self, parcel: Parcel, task: StepTask, should_stop: StopFlag, report: Report
    ) -> None:
        first = [parcel]

        def once(current: StepTask) -> StepResult | Died:
            if not first:
                return self._once(current, should_stop)
            try:
                return self._outcome(first.pop(), should_stop)
            finally:
                with self._lock:
                    self._parcels.pop(parcel.step_id, None)

        try:
            result = run_with_deaths(task, once, self._deaths, should_stop)
        except BaseException as exc:  # a step must always report back
            result = failure(task.invocation.id, f"{type(exc).__name__}: {exc}")
        report(result)

    def _once(self, task: StepTask, should_stop: StopFlag) -> StepResult | Died:
        """One Dask task for ``task``: its result, or ``Died`` when its worker died."""
        step_id = task.invocation.id
        parcel = self._parcel(task)
        if isinstance(parcel, StepResult):
            return parcel
        if not self._send([parcel], should_stop):
            return StepResult(id=step_id, ok=False, stopped=True)
        try:
            return self._outcome(parcel, should_stop)
        except BaseException:
            assert self._courier is not None
            self._courier.cancel([parcel])
            raise
        finally:
            with self._lock:
                self._parcels.pop(step_id, None)

    def _parcel(self, task: StepTask) -> Parcel | StepResult:
        """The parcel of ``task``'s Dask task, or the result of a step that cannot go."""
        step_id = task.invocation.id
        if self._lost is not None:
            return StepResult(id=step_id, ok=False, stopped=True)
        try:
            shipment = self._shipping.pack(task, self.client)
        except Exception as exc:
            return failure(step_id, f"it cannot be sent to a Dask worker: {exc}")
        key = f"{self._keys}-{next(self._sent)}-{step_id}"
        return Parcel(step_id, key, shipment, self._resources.get(step_id))

    def _send(self, parcels: list[Parcel], should_stop: StopFlag) -> bool:
        """Hand ``parcels`` to the courier; False (none sent) when the run is stopping."""
        assert self._courier is not None, "steps run inside session()"
        with self._lock:  # either ``stop`` sees these parcels, or this sees the stop flag
            if should_stop():
                return False
            for parcel in parcels:
                self._parcels[parcel.step_id] = parcel
            self._courier.send_many(parcels)
        return True

    def _outcome(self, parcel: Parcel, should_stop: StopFlag) -> StepResult | Died:
        """Wait for the task; a stop request cancels it and reports the step stopped."""
        step_id = parcel.step_id
        started = parcel.sent
        while not parcel.wait(POLL):
            if should_stop():
                assert self._courier is not None
                self._courier.cancel([parcel])
                return StepResult(id=step_id, ok=False, stopped=True)
        if parcel.result is not None:  # gathered with others
            result: StepResult = parcel.result
            return result
        future = parcel.future
        if future is not None:  # not finished well, or not gathered: ask it alone
            done = threading.Event()
            future.add_done_callback(lambda _future: done.set())
            while not done.wait(POLL):
                if should_stop():
                    future.cancel()
                    return StepResult(id=step_id, ok=False, stopped=True)
        if should_stop():
            return StepResult(id=step_id, ok=False, stopped=True)
        if future is not None and future.status == "finished":
            result = parcel.unpack(future.result())
            return result
        if future is None or future.status == "cancelled":
            if self.client.status != "running":
                self._lost = self._lost or cluster_lost(self.address)
                return StepResult(id=step_id, ok=False, stopped=True)
            return failure(step_id, "its Dask task was cancelled by the cluster")
        exc = future.exception()
        if type(exc).__name__ == "KilledWorker":
            worker = str(getattr(getattr(exc, "last_worker", None), "address", "?"))
            self._deaths.record(worker, step_id)
            return Died(worker, started, time.time())
        return failure(step_id, f"its Dask task failed: {type(exc).__name__}: {exc}")

    def stop(self, ids: Iterable[str]) -> None:
        """Cancel the tasks of ``ids`` (call after setting the run's stop flag)."""
        with self._lock:
            parcels = [self._parcels[i] for i in ids if i in self._parcels]
        if not parcels or self._lost is not None or self._courier is None:
            return
        if self.cluster is not None:
            self.cluster.hard_stop = True  # closing the run's own cluster kills the workers
        if self.stop_event is not None:
            from distributed import Event

            Event(self.stop_event, client=self.client).set()
        self._courier.cancel(parcels)


def cluster_lost(address: str) -> FlowplanError:
    """``FP555``: the scheduler went away while the run used it."""
    return FlowplanError(runtime.dask_scheduler_lost(address))


@contextmanager
def connected(address: str) -> Iterator[Any]:
    """A client of the scheduler at ``address`` (``FP304`` when it cannot be reached)."""
    from distributed import Client

    try:
        client = Client(address, timeout=CONNECT_TIMEOUT, set_as_default=False)
    except Exception as exc:
        raise ConfigError(
            settings.dask_unreachable(address, exc)
        ) from None
    try:
        yield client
    finally:
        # A client that lost its scheduler would keep trying to reconnect while it closes.
        client.close(timeout=CLOSE_TIMEOUT if client.status == "running" else 1)
