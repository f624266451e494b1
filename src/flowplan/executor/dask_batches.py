"""Steps go to the Dask scheduler, and their results come back, in batches.

``client.submit(...)`` and ``future.result()`` each cost a message to the scheduler and its
handling there: per tiny step, plain Dask used that way spends three to four times what
``client.map`` + ``client.gather`` spend on the same functions.  The run's step threads
therefore do not call Dask themselves: each hands its task to the :class:`Courier` and
waits on its :class:`Parcel`.  One courier thread submits what has accumulated since its
last round with one ``client.map`` per kind of resources, and gathers the results of every
task finished meanwhile with one ``client.gather``; a task that did not finish well (an
error, a dead worker, a cancellation) is left to its step thread, which asks its future.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Parcel:
    """One step's task: filled in by the courier, waited on by the step's thread."""

    step_id: str
    key: str
    payload: bytes
    resources: dict[str, float] | None
    done: threading.Event = field(default_factory=threading.Event)
    future: Any = None  # once submitted
    result: Any = None  # once gathered (a finished task)
    cancelled: bool = False


class Courier:
    """Submits parcels and gathers their results in batches, from a thread of its own."""

    def __init__(self, client: Any, function: Callable[..., Any], *common: Any) -> None:
        self.client = client
        self.function = function
        self.common = common  # the arguments after (step_id, payload), the same for all
        self._outbox: list[Parcel] = []
        self._finished: list[Parcel] = []
        self._closed = False
        self._wake = threading.Condition()
        self._thread = threading.Thread(target=self._loop, name="flowplan-dask", daemon=True)
        self._thread.start()

    def send(self, parcel: Parcel) -> None:
        with self._wake:
            self._outbox.append(parcel)
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
                parcel.done.set()

    def close(self) -> None:
        with self._wake:
            self._closed = True
            self._wake.notify()
        self._thread.join(timeout=5)

    def _loop(self) -> None:
        while True:
            with self._wake:
                while not (self._outbox or self._finished or self._closed):
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
            except Exception:  # the client is closing or lost: the step threads find out
                for parcel in outbox + finished:
                    parcel.done.set()

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
            for parcel, future in zip(group, futures, strict=True):
                with self._wake:
                    parcel.future = future
                    if parcel.cancelled:
                        future.cancel()
                future.add_done_callback(lambda _f, parcel=parcel: self._arrived(parcel))

    def _arrived(self, parcel: Parcel) -> None:
        with self._wake:
            self._finished.append(parcel)
            self._wake.notify()

    def _gather(self, parcels: list[Parcel]) -> None:
        ok = [p for p in parcels if p.future.status == "finished"]
        try:
            results = self.client.gather([p.future for p in ok], errors="skip") if ok else []
        except Exception:
            results = []  # left to the step threads, one by one
        if len(results) == len(ok):
            for parcel, result in zip(ok, results, strict=True):
                parcel.result = result
        for parcel in parcels:
            parcel.done.set()
