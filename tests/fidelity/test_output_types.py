"""Outputs are checked against the return annotation by the step that produces them (FP518),
as in ZenML's own step tests."""

from __future__ import annotations

from typing import Annotated, Tuple  # noqa: UP035  (ZenML spelling, as in its tests)

import pytest

from flowplan import RunFailedError, pipeline, step


@step
def int_gives_str() -> int:
    return "x"  # type: ignore[return-value]


@step
def int_gives_two() -> int:
    return 1, 2  # type: ignore[return-value]


@step
def list_gives_triple() -> Annotated[list, "out1"]:  # type: ignore[type-arg]
    return 1, 2, 3  # type: ignore[return-value]


@step
def tuple_gives_list() -> Tuple[list, int]:  # type: ignore[type-arg]  # noqa: UP006
    return [2, 1]  # type: ignore[return-value]


@step
def two_strings_gives_one() -> Tuple[str, str]:  # noqa: UP006
    return "ab"  # type: ignore[return-value]


@step
def consumer(value: object) -> None:
    raise AssertionError("a consumer never receives a value of the wrong type")


CASES = [int_gives_str, int_gives_two, list_gives_triple, tuple_gives_list, two_strings_gives_one]


@pytest.mark.parametrize("producer", CASES, ids=lambda s: s.name)
def test_the_producing_step_fails_with_a_code(producer: object) -> None:
    @pipeline(enable_cache=False)
    def wrong() -> None:
        out = producer()  # type: ignore[operator]
        if not isinstance(out, tuple):
            consumer(out)

    with pytest.raises(RunFailedError) as info:
        wrong()
    steps = info.value.run.steps
    name = producer.name  # type: ignore[attr-defined]
    assert steps[name].status.value == "failed"
    assert "FP518" in (steps[name].error or "")
    assert not steps[name].outputs
    if "consumer" in steps:
        assert steps["consumer"].status.value == "skipped"


def test_a_matching_value_passes_and_float_takes_an_int() -> None:
    @step
    def ratio() -> float:
        return 1

    @pipeline(enable_cache=False)
    def fine() -> None:
        ratio()

    assert fine().steps["ratio"].status.value == "completed"


def test_a_single_step_call_reports_the_output_type() -> None:
    with pytest.raises(RunFailedError) as info:
        int_gives_str()
    assert "FP518" in str(info.value)
