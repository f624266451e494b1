"""A rerun of an unchanged pipeline finds its steps' cache keys in memory: a key is a function
of its invocation (taken up again by the rerun's compile) and its inputs' contents, so it is
hashed again only when an input's content changed -- and then the step is a miss."""

from __future__ import annotations

import pytest

from flowplan import pipeline, step
from flowplan.enums import ExecutionStatus as S
from flowplan.executor import cache_keys

SOURCE = {"value": 1}
CALLS: list[str] = []


@step(enable_cache=False)
def read_source() -> int:
    return SOURCE["value"]


@step
def double(x: int) -> int:
    CALLS.append("double")
    return 2 * x


@step
def combine(values: list[int], scale: int = 3) -> int:
    CALLS.append("combine")
    return scale * sum(values)


@pipeline
def doubled() -> None:
    first = double(read_source())
    second = double(read_source(), id="again")
    combine([first, second])


@pytest.fixture(autouse=True)
def _fresh() -> None:
    CALLS.clear()
    SOURCE["value"] = 1


def _counting_keys(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The keys hashed from now on (their texts)."""
    made: list[str] = []
    original = cache_keys.sha256_hex

    def counting(data: bytes) -> str:
        made.append(data.decode())
        return original(data)

    monkeypatch.setattr(cache_keys, "sha256_hex", counting)
    return made


def test_a_rerun_of_an_unchanged_pipeline_hashes_no_key_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    doubled()
    assert CALLS == ["double", "double", "combine"]
    made = _counting_keys(monkeypatch)
    CALLS.clear()
    run = doubled()
    assert CALLS == []
    assert made == []
    assert {s.status for i, s in run.steps.items() if "read_source" not in i} == {S.CACHED}


def test_an_input_of_new_content_makes_a_new_key_and_runs_the_step(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    first = doubled()
    made = _counting_keys(monkeypatch)
    SOURCE["value"] = 5
    CALLS.clear()
    second = doubled()
    assert CALLS == ["double", "double", "combine"]
    assert len(made) == 3  # double, again, combine
    assert second.steps["combine"].output.load() == 60
    assert second.steps["double"].cache_key != first.steps["double"].cache_key

    # the key made now is the one remembered: the same contents again are a hit
    made.clear()
    CALLS.clear()
    third = doubled()
    assert CALLS == [] and made == []
    assert third.steps["combine"].status is S.CACHED
    assert third.steps["combine"].cache_key == second.steps["combine"].cache_key

    # back to the first contents: keys hashed again, equal to the first run's (its entries)
    SOURCE["value"] = 1
    fourth = doubled()
    assert CALLS == []
    assert len(made) == 3  # double, again, combine
    assert fourth.steps["combine"].cache_key == first.steps["combine"].cache_key
