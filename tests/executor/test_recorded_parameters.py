"""A step's recorded parameters include the JSON defaults of those not given; the defaults
are read once per step function and run, and every step gets values of its own."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from flowplan import Client, get_step_context, pipeline, step


@step(enable_cache=False)
def options(x: int, settings: dict[str, Any] = {"depth": 1}) -> int:  # noqa: B006
    seen = get_step_context().step_run.config.parameters
    depth = seen["settings"]["depth"]
    seen["settings"]["depth"] = 99  # a step changing what it sees changes nothing elsewhere
    return int(depth)


@pipeline(enable_cache=False)
def twice() -> None:
    options(1)
    options(2, settings={"depth": 5})
    options(3)


def test_defaults_are_recorded_and_each_step_sees_its_own(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("FLOWPLAN_HOME", str(tmp_path / "home"))
    run = twice.with_options(settings={"orchestrator": {"max_workers": 1}})()
    assert [s.output.load() for s in run.steps.values()] == [1, 5, 1]
    stored = Client().get_pipeline_run(run.id).steps
    assert stored["options"].config.parameters == {"x": 1, "settings": {"depth": 1}}
    assert stored["options_3"].config.parameters == {"x": 3, "settings": {"depth": 1}}
