"""Steps go to the Dask scheduler, and their results come back, in batches.

``client.submit(...)`` and ``future.result()`` each cost a message to the scheduler and its
handling there: per tiny step, plain Dask used that way spends three to four times what
``client.map`` + ``client.gather`` spend on the same functions.  The run's step threads
therefore do not call Dask themselves: each hands its task to the :class:`Courier` and
waits on its :class:`Parcel` -- or, handed over without a thread of its own, is told by
the parcel's ``on_done`` callback.  One courier thread submits what has accumulated since
its last round with one ``client.map`` per kind of resources, and gathers the results of
every task finished meanwhile with one ``client.gather``; a task that did not finish well
(an error, a dead worker, a cancellation) is left to its step, which asks its future.

Each gather is a round trip through the scheduler to the workers holding the results, and
costs them as much as a few tiny tasks.  While the cluster still has at least as many
unfinished tasks of the run as it has threads -- no worker waits for the driver -- results
are therefore left to accumulate for up to ``GATHER_WINDOW`` seconds; once fewer are
left, what has finished is gathered at once.

Dask spends about as much on each task (the scheduler's bookkeeping, the worker's
messages) as a tiny step costs to run.  Steps handed over together without a thread of
their own (``fusable``) therefore share tasks while the cluster has a deep queue: up to
``MAX_FUSED`` steps run one after the other in one task, and only while every thread of
the cluster still gets ``FUSE_DEPTH`` tasks or more, so no thread waits while another
works through a long task.  Each step keeps its own result (its attempts, retries,
outputs, failure), record and timeout; a task's result is the list of its steps' results.
A step retried after its worker died, or run in the driver's thread, has a task of its own.
"""

from __future__ import annotations

import pickle
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

GATHER_WINDOW = 0.1  # seconds finished results may wait while the cluster is kept busy
MAX_FUSED = 8  # steps run by one task at most
FUSE_DEPTH = 4  # tasks each thread of the cluster gets at least, when steps share tasks


@dataclass
class Parcel:
    """One step's task: filled in by the courier, waited on by the step's thread (or
    followed by ``on_done``, which must not block: it runs on the courier's thread)."""

    step_id: str
    key: str
    payload: object  # what the task function gets for this step (a picklable object)
    resources: dict[str, float] | None
    future: Any = None  # once submitted
    result: Any = None  # once gathered (a finished task)
    cancelled: bool = False
    on_done: Callable[[Parcel], None] | None = None  # called once, where the task ended
    sent: float = field(default_factory=time.time)  # when the step was handed over
    fusable: bool = False  # may share a task with other steps
    index: int | None = None  # its place in the results of a task of several steps
    fellows: list[Parcel] = field(default_factory=list)  # the parcels of its task
    _finished: bool = field(default=False, init=False, repr=False)
    _done: threading.Event | None = field(default=None, init=False, repr=False)

    def unpack(self, value: Any) -> Any:
        """This step's result within its task's result."""
        return value if self.index is None else value[self.index]

    def wait(self, timeout: float) -> bool:
        """True once the task is over (waiting up to ``timeout`` seconds).  Only a step
        that waits gets an ``Event``: most are followed by ``on_done``."""
        with _FINISHING:
            if self._finished:
                return True
            if self._done is None:
                self._done = threading.Event()
            done = self._done
        return done.wait(timeout)

    def finish(self) -> None:
        """The task is over (or will never run): wake its waiter, call ``on_done``, once."""
        with _FINISHING:
            if self._finished:
                return
            self._finished = True
            done = self._done
        if done is not None:
            done.set()
        if self.on_done is not None:
            self.on_done(self)


_FINISHING = threading.Lock()


def bundle_payload(parcels: list[Parcel]) -> bytes:
    """What a task of several steps receives: their ids and payloads, in one argument."""
    return pickle.dumps(([p.step_id for p in parcels], [p.payload for p in parcels]), 5)


class Courier:
    """Submits parcels and gathers their results in batches, from a thread of its own."""

    def __init__(
        self,
        client: Any,
        function: Callable[..., Any],
        *common: Any,
        threads: int = 0,
        bundled: Callable[..., Any] | None = None,
    ) -> None:
        self.client = client
        self.function = function  # (step_id, payload, *common) -> result
        self.bundled = bundled  # (bundle_payload(parcels), *common) -> their results
        self.common = common  # the arguments after (step_id, payload), the same for all
        self.threads = threads  # the cluster's: results wait while it has this many tasks
        self._outbox: list[Parcel] = []
        self._finished: list[Parcel] = []
        self._unfinished = 0  # submitted tasks whose futures are not done
        self._first_finished = 0.0  # when the oldest of ``_finished`` arrived
        self._closed = False
        self._wake = threading.Condition()
        self._thread = threading.Thread(target=self._loop, name="flowplan-dask", daemon=True)
        self._thread.start()

    def send(self, parcel: Parcel) -> None:
        self.send_many([parcel])

    def send_many(self, parcels: list[Parcel]) -> None:
        with self._wake:
            self._outbox.extend(parcels)
            self._wake.notify()

    def cancel(self, parcels: list[Parcel]) -> None:
        """Cancel ``parcels``: those not yet submitted never will be; a task that runs
        several steps is cancelled once all of them are."""
        with self._wake:
            for parcel in parcels:
                parcel.cancelled = True
            futures = list({
                id(p.future): p.future
                for p in parcels
                if p.future is not None and all(f.cancelled for f in p.fellows)
            }.values())
        if futures:
            self.client.cancel(futures)
        for parcel in parcels:
            if parcel.future is None:
                parcel.finish()

    def close(self) -> None:
        with self._wake:
            self._closed = True
            self._wake.notify()
        self._thread.join(timeout=5)

    def _loop(self) -> None:
        while True:
            with self._wake:
                while not (self._outbox or self._closed):
                    if self._finished:
                        wait = self._gather_wait()
                        if wait <= 0:
                            break
                        self._wake.wait(wait)
                    else:
                        self._wake.wait()
                if self._closed:
                    return
                outbox, self._outbox = self._outbox, []
                finished, self._finished = self._finished, []
            try:
                if outbox:
                    self._submit([p for p in outbox if not p.cancelled])
                if finished:
                    self._gather(finished)
            except Exception:  # the client is closing or lost: the steps find out
                for parcel in outbox + finished:
                    parcel.finish()

    def _gather_wait(self) -> float:
        """Seconds the finished results may still wait (call with ``_wake`` held)."""
        if self._unfinished < self.threads:
            return 0.0
        return self._first_finished + GATHER_WINDOW - time.monotonic()

    def _submit(self, parcels: list[Parcel]) -> None:
        groups: dict[tuple[tuple[str, float], ...], list[Parcel]] = {}
        for parcel in parcels:
            groups.setdefault(tuple(sorted((parcel.resources or {}).items())), []).append(parcel)
        for resources, group in groups.items():
            alone = [[p] for p in group if not p.fusable]
            fusable = [p for p in group if p.fusable]
            size = self._bundle_size(len(fusable))
            bundles = [fusable[i : i + size] for i in range(0, len(fusable), size)]
            alone += [b for b in bundles if len(b) == 1]
            bundles = [b for b in bundles if len(b) > 1]
            res = dict(resources) or None
            if alone:
                ids, payloads = [t[0].step_id for t in alone], [t[0].payload for t in alone]
                self._map(alone, self.function, [ids, payloads], res)
            if bundles:
                assert self.bundled is not None  # sizes are 1 without it
                self._map(bundles, self.bundled, [[bundle_payload(b) for b in bundles]], res)

    def _bundle_size(self, fusable: int) -> int:
        """Steps per task for ``fusable`` steps handed over together: several only while
        every thread of the cluster still gets ``FUSE_DEPTH`` tasks or more."""
        if self.bundled is None:
            return 1
        return max(1, min(MAX_FUSED, fusable // (FUSE_DEPTH * max(self.threads, 1))))

    def _map(
        self,
        tasks: list[list[Parcel]],
        function: Callable[..., Any],
        arguments: list[list[Any]],
        resources: dict[str, float] | None,
    ) -> None:
        n = len(tasks)
        futures = self.client.map(
            function,
            *arguments,
            *([value] * n for value in self.common),
            key=[t[0].key if len(t) == 1 else f"{t[0].key}-and-{len(t) - 1}" for t in tasks],
            pure=False,
            resources=resources,
        )
        with self._wake:
            self._unfinished += n
        for task, future in zip(tasks, futures, strict=True):
            with self._wake:
                for index, parcel in enumerate(task):
                    parcel.future = future
                    parcel.index = index if len(task) > 1 else None
                    parcel.fellows = task
                if all(p.cancelled for p in task):
                    future.cancel()
            future.add_done_callback(lambda _f, task=task: self._arrived(task))

    def _arrived(self, task: list[Parcel]) -> None:
        with self._wake:
            if not self._finished:
                self._first_finished = time.monotonic()
            self._finished.extend(task)
            self._unfinished -= 1
            self._wake.notify()

    def _gather(self, parcels: list[Parcel]) -> None:
        ok = [p for p in parcels if p.future.status == "finished"]
        futures = list({id(p.future): p.future for p in ok}.values())
        try:
            gathered = self.client.gather(futures, errors="skip") if futures else []
        except Exception:
            gathered = []  # left to the steps, one by one
        if len(gathered) == len(futures):
            by_future = {id(f): r for f, r in zip(futures, gathered, strict=True)}
            results = [p.unpack(by_future[id(p.future)]) for p in ok]
        else:
            results = []
        if len(results) == len(ok):
            for parcel, result in zip(ok, results, strict=True):
                parcel.result = result
        for parcel in parcels:
            parcel.finish()
