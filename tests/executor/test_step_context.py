"""A step's context is built when the step (or its hook) first asks for it: a step that never
asks costs none, one that asks gets the same context in the step and in its hook."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from flowplan import get_step_context, log_metadata, pipeline, step
from flowplan.client import Client
from flowplan.executor import backends
from flowplan.executor.runner import StepTask

SEEN: dict[str, Any] = {}


def remember_context() -> None:
    SEEN["hook"] = get_step_context()


@step(enable_cache=False)
def plain(x: int) -> int:
    return x + 1


@step(enable_cache=False, on_success=remember_context)
def asking(x: int, scale: int = 3) -> int:
    context = get_step_context()
    SEEN["step"] = context
    log_metadata({"scale": context.step_run.config.parameters["scale"]})
    return x * scale


@pipeline(enable_cache=False)
def both() -> None:
    asking(plain(1))


@pytest.fixture
def tasks(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> dict[str, StepTask]:
    monkeypatch.setenv("FLOWPLAN_HOME", str(tmp_path / "home"))
    seen: dict[str, StepTask] = {}
    original = backends.execute_step

    def recording(task: StepTask, store: Any, should_stop: Any) -> Any:
        seen[task.invocation.step] = task
        return original(task, store, should_stop)

    monkeypatch.setattr(backends, "execute_step", recording)
    SEEN.clear()
    both()
    return seen


def test_a_step_that_never_asks_builds_no_context(tasks: dict[str, StepTask]) -> None:
    assert tasks["plain"].built_context is None


def test_a_step_and_its_hook_share_the_context_it_asked_for(tasks: dict[str, StepTask]) -> None:
    context = tasks["asking"].built_context
    assert context is not None and SEEN["step"] is context and SEEN["hook"] is context
    assert context.step_run.name == "asking"
    assert context.step_run.config.parameters == {"scale": 3}
    assert context.output_names == ("output",)
    assert context.pipeline.name == "both"
    run = Client().get_pipeline("both").runs[0]
    assert context.pipeline_run.id == run.id
    assert run.steps["asking"].run_metadata == {"scale": 3}  # what it logged was recorded


def test_a_changed_context_changes_no_recorded_parameter(tasks: dict[str, StepTask]) -> None:
    SEEN["step"].step_run.config.parameters["scale"] = 99
    assert tasks["asking"].parameters == {"scale": 3}
