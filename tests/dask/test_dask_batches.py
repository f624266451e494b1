"""Steps go to the scheduler, and results come back, in batches: one ``client.map`` per kind
of resources for the steps handed over together, one ``client.gather`` for the results that
arrived together; what did not finish well is left to the step's own thread."""

from __future__ import annotations

import pickle
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
        self.steps: dict[str, Any] = {}  # a task's key -> its step id, or ids
        self.submitted = threading.Semaphore(0)

    def map(self, function: Any, *iterables: list[Any], key: list[str], pure: bool,
            resources: dict[str, float] | None) -> list[FakeFuture]:
        assert pure is False and all(len(i) == len(key) for i in iterables)
        if iterables[0] and isinstance(iterables[0][0], bytes):  # tasks of several steps
            ids: list[Any] = [pickle.loads(b)[0] for b in iterables[0]]
            common = iterables[1:]
        else:
            ids, common = iterables[0], iterables[2:]
        self.maps.append((ids, resources, tuple(c[0] for c in common)))
        futures = [FakeFuture(k) for k in key]
        self.futures.update({f.key: f for f in futures})
        self.steps.update({f.key: i for f, i in zip(futures, ids, strict=True)})
        for _ in futures:
            self.submitted.release()
        return futures

    def gather(self, futures: list[FakeFuture], errors: str) -> list[Any]:
        assert errors == "skip"
        self.gathers.append([f.key for f in futures])
        return [
            [f"result of {i}" for i in self.steps[f.key]]
            if isinstance(self.steps[f.key], list) else f"result of {f.key}"
            for f in futures
        ]

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
        assert p.wait(10)
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
    assert waiting.wait(0) and waiting.future is None
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
    assert not parcels[0].wait(0.3) and client.gathers == []
    arrive(parcels[2])  # one unfinished: a thread is idle, what finished is gathered now
    for p in parcels[:3]:
        assert p.wait(10)
    arrive(parcels[3])
    assert parcels[3].wait(10)
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
    assert p.wait(10)
    p.finish()  # a second end (a late cancellation) changes nothing
    courier.close()
    assert ended == ["a"]


def test_many_steps_handed_over_together_share_tasks_each_keeping_its_result() -> None:
    client = FakeClient()
    courier = Courier(client, print, threads=1, bundled=repr)  # one thread: 4 tasks at least
    parcels = [parcel(f"s{i}") for i in range(9)]
    for p in parcels:
        p.fusable = True
    alone = parcel("alone")  # run in the driver's thread, or after a death: never shared
    with courier._wake:
        courier.send_many([*parcels, alone])
    for _ in range(6):  # 9 steps in tasks of 2 (9 // 4), the last one alone; and ``alone``
        assert client.submitted.acquire(timeout=10)
    assert [ids for ids, _, _ in client.maps] == [
        ["alone", "s8"], [["s0", "s1"], ["s2", "s3"], ["s4", "s5"], ["s6", "s7"]]
    ]
    with courier._wake:
        for future in list(client.futures.values()):
            for callback in future.callbacks:
                callback(future)
    for p in [*parcels, alone]:
        assert p.wait(10)
    courier.close()
    assert [p.result for p in parcels] == [f"result of s{i}" for i in range(8)] + [
        "result of flowplan-s8"  # a task of its own
    ]
    assert alone.result == "result of flowplan-alone"


def test_a_shared_task_is_cancelled_once_all_its_steps_are() -> None:
    client = FakeClient()
    courier = Courier(client, print, threads=1, bundled=repr)
    parcels = [parcel(f"s{i}") for i in range(8)]
    for p in parcels:
        p.fusable = True
    courier.send_many(parcels)
    for _ in range(4):
        assert client.submitted.acquire(timeout=10)
    courier.cancel([parcels[0]])
    assert parcels[0].future.status == "finished"  # its fellow still runs
    courier.cancel([parcels[1]])
    assert parcels[0].future.status == "cancelled"
    assert parcels[2].future.status == "finished"
    courier.close()
