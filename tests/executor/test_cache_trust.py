"""The cached path: one query per run, an in-memory lookup per step, and a hit used only
after its artifacts' content matches their recorded digests (DESIGN decision 19)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from flowplan import Client, pipeline, step
from flowplan.enums import ExecutionStatus as S
from flowplan.store.local import LocalStore

CALLS: list[str] = []


@step
def numbers() -> list[int]:
    CALLS.append("numbers")
    return list(range(50))


@step
def total(values: list[int]) -> int:
    CALLS.append("total")
    return sum(values)


@pipeline
def summed() -> None:
    total(numbers())


@pytest.fixture(autouse=True)
def _fresh_calls() -> None:
    CALLS.clear()


def _flip_a_bit(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[:-3])


@pytest.mark.parametrize("damage", [_flip_a_bit, _truncate, Path.unlink])
def test_a_damaged_cached_artifact_is_recomputed(damage: Callable[[Path], object]) -> None:
    first = summed()
    assert CALLS == ["numbers", "total"]
    uri = Path(first.steps["numbers"].output.uri)
    damage(uri)

    CALLS.clear()
    second = summed()
    # the damaged entry is dropped and the step runs again; its output has the same content,
    # so the step after it is still a hit
    assert CALLS == ["numbers"]
    assert second.steps["numbers"].status is S.COMPLETED
    assert second.steps["total"].status is S.CACHED
    assert second.steps["numbers"].output.load() == list(range(50))  # the file is restored
    assert second.steps["total"].output.load() == sum(range(50))

    CALLS.clear()
    third = summed()
    assert CALLS == [] and {s.status for s in third.steps.values()} == {S.CACHED}


def test_a_fully_cached_run_reads_the_cache_once(monkeypatch: pytest.MonkeyPatch) -> None:
    summed()
    store = LocalStore.open()
    reads: list[str] = []
    from flowplan.store.db import MetadataStore

    for name in ("run_index", "lookup_cache"):
        original = getattr(MetadataStore, name)

        def spy(
            self: MetadataStore, *args: object, _name: str = name, _f: object = original
        ) -> object:
            reads.append(_name)
            return _f(self, *args)  # type: ignore[operator]

        monkeypatch.setattr(MetadataStore, name, spy)
    run = summed()
    store.close()
    assert {s.status for s in run.steps.values()} == {S.CACHED}
    assert reads == ["run_index"]


def test_a_cached_step_records_what_it_reused() -> None:
    first = summed()
    second = summed()
    reused = second.steps["numbers"].outputs["output"][0]
    assert reused.id == first.steps["numbers"].outputs["output"][0].id
    assert [s.name for s in Client().get_pipeline_run(second.id).steps.values()] == [
        "numbers",
        "total",
    ]


def test_the_plan_is_serialised_once_then_not_again_and_stored_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from flowplan.compiler import plan_json
    from flowplan.compiler.plan import Invocation, Plan

    written: list[str] = []
    write = plan_json._ENCODERS[Invocation]
    monkeypatch.setitem(plan_json._ENCODERS, Invocation,
                        lambda inv, memo: written.append(inv.id) or write(inv, memo))
    summed.trace_record = None  # (as if never run in this process)
    first = summed()
    assert written == ["numbers", "total"]  # one serialisation: the verdict's key and the
    second = summed()                       # stored plan share it; then, unchanged, none
    assert written == ["numbers", "total"]
    assert first.id != second.id
    store = LocalStore.open()
    plans = store.metadata.db.read(lambda c: c.execute("SELECT COUNT(*) FROM plans").fetchone())
    assert plans[0] == 1  # content-addressed: the unchanged plan is stored once
    stored = store.metadata.get_run(second.id).plan or ""
    assert stored == store.metadata.get_run(first.id).plan == summed.compiled().plan_json
    assert Plan.from_json(stored).pipeline == "summed"
    store.close()


@pytest.mark.parametrize("vouched_by", ["watch", "status"])
def test_damage_after_a_check_is_found_by_the_next_run(
    vouched_by: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Once a file's content matched, the next hits on it cost no read (a watch of its
    folder, or its unchanged status, vouches for it); a change to the file afterwards is
    still found, and the step recomputed."""
    import time

    from flowplan.store.checked_files import SETTLED, CheckedFiles

    if vouched_by == "status":
        monkeypatch.setattr(CheckedFiles, "reading", lambda self, content_hash: None)
        monkeypatch.setattr(
            CheckedFiles, "read_at", lambda self: time.time_ns() + int(10 * SETTLED * 1e9)
        )
    first = summed()
    summed()  # the hit's content is read and hashed
    CALLS.clear()
    assert {s.status for s in summed().steps.values()} == {S.CACHED}
    time.sleep(0.05)  # past the file system's clock tick
    _flip_a_bit(Path(first.steps["numbers"].output.uri))
    second = summed()
    assert CALLS == ["numbers"]
    assert second.steps["numbers"].status is S.COMPLETED
    assert second.steps["numbers"].output.load() == list(range(50))


@step
def scaled(factor: int) -> int:
    CALLS.append(f"scaled {factor}")
    return 2 * factor


@pipeline
def scaling(factor: int) -> None:
    scaled(factor=factor)


def test_a_step_with_more_cache_entries_than_a_run_reads_asks_for_its_own_key(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import flowplan.executor.ledger as ledger
    from flowplan.store.db import MetadataStore

    monkeypatch.setattr(ledger, "CROWDED_FROM", 2)
    monkeypatch.setattr(ledger, "ENTRIES_PER_USE", 1)  # (a limit of 2 for its one step)
    for factor in (1, 2, 3):  # three entries for the step's code: more than 2
        scaling(factor=factor)
    asked: list[str] = []
    original = MetadataStore.lookup_cache

    def spy(self: MetadataStore, key: str, *, pending: bool = True) -> object:
        assert not pending  # the run's pending group is not committed for it
        asked.append(key)
        return original(self, key, pending=pending)

    monkeypatch.setattr(MetadataStore, "lookup_cache", spy)
    CALLS.clear()
    again = scaling(factor=2)
    assert CALLS == [] and again.steps["scaled"].status is S.CACHED
    assert len(asked) == 1  # the run's start read none of that code's entries
    new = scaling(factor=4)
    assert CALLS == ["scaled 4"] and new.steps["scaled"].status is S.COMPLETED


@step
def damage_the_numbers(path: str) -> None:
    CALLS.append("damage")
    if path:
        _flip_a_bit(Path(path))


@step
def early() -> int:
    CALLS.append("early")
    return 7


@pipeline
def damaged_on_the_way(path: str) -> None:
    early(id="early")  # a hit checked first: the run's look at the queue of changes
    damage_the_numbers.with_options(enable_cache=False)(path=path, id="damage", after=["early"])
    total(numbers(after=["damage"]))


def test_a_step_that_damages_a_file_a_later_hit_reuses_is_seen_by_that_hit() -> None:
    """The queue of changes is looked at again after each step that ran."""
    first = damaged_on_the_way(path="")  # numbers and total computed, cached
    uri = first.steps["numbers"].output.uri
    CALLS.clear()
    damaged_on_the_way(path="")  # the files are read
    damaged_on_the_way(path="")  # read with their folder watched: vouched for from now on
    CALLS.clear()
    second = damaged_on_the_way(path=uri)
    assert CALLS == ["damage", "numbers"]  # the damaged hit recomputed, total still a hit
    assert second.steps["numbers"].status is S.COMPLETED
    assert second.steps["total"].status is S.CACHED
