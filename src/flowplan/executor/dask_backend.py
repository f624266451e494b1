"""The Dask orchestrator (DESIGN decision 14): every step runs as a task on a Dask cluster.

Chosen by ``dask_address`` in a pipeline's orchestrator settings, or by ``orchestrator = "dask"``
in ``[tool.flowplan]`` (``FLOWPLAN_ORCHESTRATOR=dask``, with ``dask-address`` /
``FLOWPLAN_DASK_ADDRESS``).  With an address the run connects to that scheduler; without one
it starts a LocalCluster for the run (:mod:`flowplan.executor.dask_cluster`) and closes it after.

The driver schedules as always: a step becomes a Dask task when its inputs are done, and
independent steps run at once on different workers.  A worker runs the step with its retries
and hooks, writes the outputs' files where every worker and the driver can reach them (the
store's folder on one machine or a shared mount, else ``artifact-url``) and returns the
result; only the driver writes run metadata.  Under FAIL_FAST the driver cancels the tasks
still running and sets the run's Dask ``Event``, which ends their retry waits and skips their
hooks; Dask cannot interrupt a task that is executing, so a step on a cluster the run did not
start finishes in the background and its result is dropped.

Step code travels with cloudpickle, by value where the workers cannot import it by name
(:mod:`flowplan.executor.dask_shipping`).
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Iterable, Iterator
from contextlib import ExitStack, contextmanager
from types import ModuleType
from typing import TYPE_CHECKING, Any

from flowplan.diagnostics import ConfigError
from flowplan.executor.dask_shipping import ShippedModules
from flowplan.executor.dask_target import DaskTarget
from flowplan.executor.dask_worker import ArtifactLocation, run_task
from flowplan.executor.runner import StepResult, StepTask
from flowplan.executor.worker import failure
from flowplan.messages import settings

if TYPE_CHECKING:
    from flowplan.executor.backends import StopFlag
    from flowplan.executor.dask_cluster import LocalDaskCluster
    from flowplan.store.local import LocalStore

CONNECT_TIMEOUT = 15  # seconds to reach a scheduler
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

    def __init__(
        self,
        store: LocalStore,
        target: DaskTarget,
        by_value: list[ModuleType] | None = None,
        *,
        fail_fast: bool = False,
    ) -> None:
        require_distributed()
        self.store = store
        self.target = target
        self.by_value = by_value or []
        self.stop_event = f"flowplan-stop-{secrets.token_hex(8)}" if fail_fast else None
        self.client: Any = None
        self.cluster: LocalDaskCluster | None = None
        self._location: ArtifactLocation | None = None
        self._futures: dict[str, Any] = {}
        self._lock = threading.Lock()
        self._shipping = ShippedModules()

    @contextmanager
    def session(self) -> Iterator[None]:
        from flowplan.executor.dask_cluster import local_cluster
        from flowplan.executor.worker_protocol import pickled_by_value

        with ExitStack() as stack:
            address = self.target.address
            if address is None:
                self.cluster = stack.enter_context(local_cluster(self.target.n_workers))
                address = self.cluster.address
            self.client = stack.enter_context(connected(address))
            stack.enter_context(pickled_by_value(self.by_value))
            stack.enter_context(self._shipping)
            self._location = ArtifactLocation(
                str(self.store.home), _artifact_url(self.store), self.store.pickle_key()
            )
            yield

    def run(self, task: StepTask, should_stop: StopFlag) -> StepResult:
        step_id = task.invocation.id
        try:
            payload = self._shipping.dumps(task, self.client)
        except Exception as exc:
            return failure(step_id, f"it cannot be sent to a Dask worker: {exc}")
        assert self._location is not None, "run() is called inside session()"
        with self._lock:  # either ``stop`` sees this future, or this sees the stop flag
            if should_stop():
                return StepResult(id=step_id, ok=False, stopped=True)
            future = self.client.submit(
                run_task,
                step_id,
                payload,
                self._location,
                self.stop_event,
                key=f"flowplan-{step_id}-{secrets.token_hex(6)}",
                pure=False,
            )
            self._futures[step_id] = future
        try:
            return _outcome(step_id, future, should_stop)
        except BaseException:
            future.cancel()
            raise
        finally:
            with self._lock:
                self._futures.pop(step_id, None)

    def stop(self, ids: Iterable[str]) -> None:
        """Cancel the tasks of ``ids`` (call after setting the run's stop flag)."""
        with self._lock:
            futures = [self._futures[i] for i in ids if i in self._futures]
        if not futures:
            return
        if self.cluster is not None:
            self.cluster.hard_stop = True  # closing the run's own cluster kills the workers
        if self.stop_event is not None:
            from distributed import Event

            Event(self.stop_event, client=self.client).set()
        self.client.cancel(futures)


def _outcome(step_id: str, future: Any, should_stop: StopFlag) -> StepResult:
    """Wait for the task; a stop request cancels it and reports the step stopped."""
    done = threading.Event()
    future.add_done_callback(lambda _future: done.set())
    while not done.wait(POLL):
        if should_stop():
            future.cancel()
            return StepResult(id=step_id, ok=False, stopped=True)
    if future.status == "finished":
        result: StepResult = future.result()
        return result
    if should_stop():
        return StepResult(id=step_id, ok=False, stopped=True)
    if future.status == "cancelled":
        return failure(step_id, "its Dask task was cancelled by the cluster")
    exc = future.exception()
    return failure(step_id, f"its Dask task failed: {type(exc).__name__}: {exc}")


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
        client.close()


def _artifact_url(store: LocalStore) -> str | None:
    from flowplan.store.remote import RemoteArtifactStore

    return store.artifacts.url if isinstance(store.artifacts, RemoteArtifactStore) else None
