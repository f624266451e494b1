"""Python's cyclic garbage collector during a run of many steps.

A run's records, tasks and results live until it ends, so a run of thousands of steps
moves tens of thousands of objects into the collector's oldest generation, which sets off
full collections -- and each walks everything the process holds.  With the Dask client
loaded, that is some 150,000 objects of modules alone: walked again and again, it was a
quarter of the driver's work per tiny step.

:func:`heap_set_aside` therefore leaves what the process held before a large run out of
the collections made while it runs (``gc.freeze``), collects what the run left behind when
it ends (only the run's own objects are walked then), and hands the rest back to the
collector (``gc.unfreeze``).  Garbage made outside runs is found by the collector as
before, and in any case before every ``COLLECT_EVERY``-th large run in a row."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

FROM_STEPS = 500  # smaller runs leave the collector alone (they rarely set off full ones)
COLLECT_EVERY = 8  # large runs in a row at most before one full collection of everything


class _Aside:
    """Runs inside :func:`heap_set_aside` now, and large runs since a full collection."""

    lock = threading.Lock()
    runs = 0
    since_full = 0
    full_seen = -1  # the count of full collections when the last of those runs ended


@contextmanager
def heap_set_aside(steps: int) -> Iterator[None]:
    """While a run of ``steps`` steps runs: see the module's docstring."""
    if steps < FROM_STEPS:
        yield
        return
    with _Aside.lock:
        if _Aside.runs == 0:
            if _full_collections() != _Aside.full_seen:
                _Aside.since_full = 0  # the collector went through everything since
            elif _Aside.since_full >= COLLECT_EVERY:
                gc.collect()  # garbage made between runs must not wait forever
                _Aside.since_full = 0
            _Aside.since_full += 1
        _Aside.runs += 1
        gc.freeze()
    try:
        yield
    finally:
        with _Aside.lock:
            _Aside.runs -= 1
            if _Aside.runs == 0:
                if gc.isenabled():
                    gc.collect()  # walks only what the runs made: the rest is frozen
                gc.unfreeze()
                _Aside.full_seen = _full_collections()


def _full_collections() -> int:
    return int(gc.get_stats()[-1]["collections"])
