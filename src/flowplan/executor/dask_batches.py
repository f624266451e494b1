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
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

GATHER_WINDOW = 0.1  # seconds finished results may wait while the cluster is kept busy


@dataclass
class Parcel:
    """One step's task: filled in by the courier, waited on by the step's thread (or
    followed by ``on_done``, which must not block: it runs on the courier's thread)."""

    step_id: str
    key: str
    payload: bytes
    resources: dict[str, float] | None
    done: threading.Event = field(default_factory=threading.Event)
    future: Any = None  # once submitted
    result: Any = None  # once gathered (a finished task)
    cancelled: bool = False
    on_done: Callable[[Parcel], None] | None = None  # called once, where the task ended
    sent: float = field(default_factory=time.time)  # when the step was handed over
    _finished: bool = field(default=False, init=False, repr=False)

    def finish(self) -> None:
        """The task is over (or will never run): wake its waiter, call ``on_done``, once."""
        with _FINISHING:
            if self._finished:
                return
            self._finished = True
        self.done.set()
        if self.on_done is not None:
            self.on_done(self)


_FINISHING = threading.Lock()


class Courier:
    """Submits parcels and gathers their results in batches, from a thread of its own."""

    def __init__(
        self, client: Any, function: Callable[..., Any], *common: Any, threads: int = 0
    ) -> None:
        self.client = client
        self.function = function
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
        """Cancel ``parcels``: those not yet submitted never will be."""
        with self._wake:
            for parcel in parcels:
                parcel.cancelled = True
            futures = [p.future for p in parcels if p.future is not None]
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
            n = len(group)
            futures = self.client.map(
                self.function,
                [p.step_id for p in group],
                [p.payload for p in group],
                *([value] * n for value in self.common),
                key=[p.key for p in group],
                pure=False,
                resources=dict(resources) or None,
            )
            with self._wake:
                self._unfinished += n
            for parcel, future in zip(group, futures, strict=True):
                with self._wake:
                    parcel.future = future
                    if parcel.cancelled:
                        future.cancel()
                future.add_done_callback(lambda _f, parcel=parcel: self._arrived(parcel))

    def _arrived(self, parcel: Parcel) -> None:
        with self._wake:
            if not self._finished:
                self._first_finished = time.monotonic()
            self._finished.append(parcel)
            self._unfinished -= 1
            self._wake.notify()

    def _gather(self, parcels: list[Parcel]) -> None:
        ok = [p for p in parcels if p.future.status == "finished"]
        try:
            results = self.client.gather([p.future for p in ok], errors="skip") if ok else []
        except Exception:
            results = []  # left to the steps, one by one
        if len(results) == len(ok):
            for parcel, result in zip(ok, results, strict=True):
                parcel.result = result
        for parcel in parcels:
            parcel.finish()
