"""Steps go to the scheduler, and results come back, in batches: one ``client.map`` per kind
of resources for the steps handed over together, one ``client.gather`` for the results that
arrived together; what did not finish well is left to the step's own thread."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from flowplan.executor.dask_batches import Courier, Parcel


class FakeFuture:
    def __init__(self, key: str, status: str = "finished") -> None:
        self.key = key
        self.status = status
        self.callbacks: list[Any] = []

    def add_done_callback(self, callback: Any) -> None:
        self.callbacks.append(callback)

    def cancel(self) -> None:
        self.status = "cancelled"


class FakeClient:
    """Records the calls a courier makes; the test finishes the futures."""

    def __init__(self) -> None:
        self.maps: list[tuple[list[str], dict[str, float] | None, tuple[Any, ...]]] = []
        self.gathers: list[list[str]] = []
        self.futures: dict[str, FakeFuture] = {}
        self.submitted = threading.Semaphore(0)

    def map(self, function: Any, ids: list[str], payloads: list[bytes], *common: list[Any],
            key: list[str], pure: bool, resources: dict[str, float] | None) -> list[FakeFuture]:
        assert pure is False and len(key) == len(ids) == len(payloads)
        self.maps.append((ids, resources, tuple(c[0] for c in common)))
        futures = [FakeFuture(k) for k in key]
        self.futures.update({f.key: f for f in futures})
        for _ in futures:
            self.submitted.release()
        return futures

    def gather(self, futures: list[FakeFuture], errors: str) -> list[str]:
        assert errors == "skip"
        self.gathers.append([f.key for f in futures])
        return [f"result of {f.key}" for f in futures]

    def cancel(self, futures: list[FakeFuture]) -> None:
        for future in futures:
            future.cancel()


def parcel(step: str, resources: dict[str, float] | None = None) -> Parcel:
    return Parcel(step, f"flowplan-{step}", step.encode(), resources)


def test_steps_handed_over_together_are_one_map_per_resources() -> None:
    client = FakeClient()
    courier = Courier(client, print, "location", None)
    parcels = [parcel("a"), parcel("b"), parcel("gpu", {"GPU": 1.0}), parcel("c")]
    with courier._wake:  # handed over while the courier is busy: one round takes them all
        for p in parcels:
            courier.send(p)
    for _ in parcels:
        assert client.submitted.acquire(timeout=10)
    courier.close()
    assert sorted((ids, r) for ids, r, _ in client.maps) == [
        (["a", "b", "c"], None), (["gpu"], {"GPU": 1.0})
    ]
    assert all(common == ("location", None) for _, _, common in client.maps)


def test_results_that_arrived_together_are_one_gather() -> None:
    client = FakeClient()
    courier = Courier(client, print)
    parcels = [parcel(s) for s in ("a", "b", "c")]
    with courier._wake:
        for p in parcels:
            courier.send(p)
    for _ in parcels:
        assert client.submitted.acquire(timeout=10)
    client.futures["flowplan-c"].status = "error"  # left to its step thread
    with courier._wake:  # all three arrive before the courier looks
        for p in parcels:
            for callback in p.future.callbacks:
                callback(p.future)
    for p in parcels:
        assert p.done.wait(10)
    courier.close()
    assert client.gathers == [["flowplan-a", "flowplan-b"]]
    assert [p.result for p in parcels] == ["result of flowplan-a", "result of flowplan-b", None]


def test_a_cancelled_parcel_is_never_submitted() -> None:
    client = FakeClient()
    courier = Courier(client, print)
    waiting, kept = parcel("waiting"), parcel("kept")
    with courier._wake:
        courier.send(waiting)
        courier.send(kept)
        waiting.cancelled = True  # what ``cancel`` does to a parcel not yet submitted
    assert client.submitted.acquire(timeout=10)
    courier.cancel([waiting])
    courier.close()
    assert waiting.done.is_set() and waiting.future is None
    assert [ids for ids, _, _ in client.maps] == [["kept"]]


def test_results_wait_while_the_cluster_is_busy_and_go_together(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from flowplan.executor import dask_batches

    monkeypatch.setattr(dask_batches, "GATHER_WINDOW", 60.0)  # only the count decides here
    client = FakeClient()
    courier = Courier(client, print, threads=2)  # a cluster of two threads
    parcels = [parcel(s) for s in ("a", "b", "c", "d")]
    with courier._wake:
        courier.send_many(parcels)
    for _ in parcels:
        assert client.submitted.acquire(timeout=10)

    def arrive(p: Parcel) -> None:
        for callback in p.future.callbacks:
            callback(p.future)

    arrive(parcels[0])  # three still unfinished: the cluster is busy, the result waits
    arrive(parcels[1])  # two unfinished: still as many as the cluster's threads
    assert not parcels[0].done.wait(0.3) and client.gathers == []
    arrive(parcels[2])  # one unfinished: a thread is idle, what finished is gathered now
    for p in parcels[:3]:
        assert p.done.wait(10)
    arrive(parcels[3])
    assert parcels[3].done.wait(10)
    courier.close()
    assert client.gathers == [["flowplan-a", "flowplan-b", "flowplan-c"], ["flowplan-d"]]


def test_on_done_is_called_once_where_the_task_ended() -> None:
    client = FakeClient()
    courier = Courier(client, print)
    ended: list[str] = []
    p = parcel("a")
    p.on_done = lambda done: ended.append(done.step_id)
    courier.send(p)
    assert client.submitted.acquire(timeout=10)
    courier.cancel([p])  # cancelled after it was submitted: its future ends it
    for callback in p.future.callbacks:
        callback(p.future)
    assert p.done.wait(10)
    p.finish()  # a second end (a late cancellation) changes nothing
    courier.close()
    assert ended == ["a"]
