"""A step's task travels in parts: what steps share (their code, hooks, type hints, the run's
context) is pickled once per run and loaded once per worker process; what is a step's own
is pickled for it with plain pickle."""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

import pytest

from flowplan import pipeline, step
from flowplan.executor import backends, dask_worker
from flowplan.executor.dask_shipping import ShippedModules
from flowplan.executor.runner import StepTask


@step(enable_cache=False)
def add_one(x: int) -> int:
    return x + 1


@pipeline(enable_cache=False)
def five(width: int = 5) -> None:
    for i in range(width):
        add_one(i)


class NoWorkers:
    """A Dask client whose cluster imports none of the user's modules by name."""

    def run(self, function: Any, *args: Any) -> dict[str, Any]:
        return {}


@pytest.fixture
def tasks(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[StepTask]:
    """The tasks of a run of ``five``, as the driver builds them."""
    monkeypatch.setenv("FLOWPLAN_HOME", str(tmp_path / "home"))
    seen: list[StepTask] = []
    original = backends.execute_step

    def recording(task: StepTask, store: Any, should_stop: Any) -> Any:
        seen.append(task)
        return original(task, store, should_stop)

    monkeypatch.setattr(backends, "execute_step", recording)
    five()
    assert len(seen) == 5
    return seen


def test_steps_of_one_function_share_its_pickle(tasks: list[StepTask]) -> None:
    shipping = ShippedModules()
    shipments = [shipping.pack(task, NoWorkers()) for task in tasks]
    first = shipments[0]
    assert set(first.shared) == {
        "func", "annotations", "output_annotations", "run_info", "pipeline_info"
    }  # fmt: skip
    for shipment in shipments[1:]:
        assert shipment.shared == first.shared  # the same digests ...
        for digest, blob in shipment.parts.items():
            assert blob is first.parts[digest]  # ... pickled once, for the first step
    own_fields = pickle.loads(first.own)  # plain pickle: no code in it
    assert "func" not in own_fields and own_fields["invocation"] == tasks[0].invocation
    assert own_fields["on_success"] is None and own_fields["retry"] is None
    assert own_fields["parameters"] == tasks[0].context.step_run.config.parameters
    assert "run_info" not in own_fields and "built_context" not in own_fields


def test_a_worker_loads_each_shared_part_once(
    tasks: list[StepTask], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(dask_worker, "_PARTS", {})
    shipping = ShippedModules()
    one, two = (shipping.pack(task, NoWorkers()).unpack() for task in tasks[:2])
    for unpacked, task in ((one, tasks[0]), (two, tasks[1])):
        assert unpacked.invocation == task.invocation and unpacked.inputs == task.inputs
        assert unpacked.context == task.context
        assert unpacked.func(41) == 42
        assert unpacked.annotations == task.annotations
    assert two.annotations is one.annotations and two.context.pipeline_run is (
        one.context.pipeline_run
    )  # loaded once, kept for the next step
    assert len(dask_worker._PARTS) == 5  # code, hints, output types, run, pipeline


def test_a_worker_keeps_a_bounded_number_of_parts(
    tasks: list[StepTask], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(dask_worker, "_PARTS", {})
    monkeypatch.setattr(dask_worker, "KEPT_PARTS", 3)
    for task in tasks:  # five parts a step, three kept
        unpacked = ShippedModules().pack(task, NoWorkers()).unpack()
        assert unpacked.invocation == task.invocation
        assert len(dask_worker._PARTS) <= 3
