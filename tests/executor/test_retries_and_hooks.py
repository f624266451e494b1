"""Retries (DESIGN decision 4b) and hooks (decision 4), in both isolations."""

from __future__ import annotations

import itertools
import json
import time
from pathlib import Path
from typing import Any

import pytest

from flowplan import (
    Client,
    CompileError,
    ExecutionMode,
    RunFailedError,
    StepRetryConfig,
    get_step_context,
    pipeline,
    step,
)

CALLS: list[tuple[Any, ...]] = []


@pytest.fixture(autouse=True)
def _fresh_calls() -> None:
    CALLS.clear()


def record(*event: Any) -> None:
    """Note an event in this process, or in ``log_dir`` when the step has that parameter."""
    params = get_step_context().step_run.config.parameters
    if params.get("log_dir"):
        with open(Path(params["log_dir"]) / "events.jsonl", "a") as handle:
            handle.write(json.dumps(event) + "\n")
    else:
        CALLS.append(event)


def events(log_dir: Path) -> list[list[Any]]:
    path = log_dir / "events.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


# -- retries ------------------------------------------------------------------------------
def on_failure_count(exception: BaseException) -> None:
    record("failure_hook", type(exception).__name__, str(exception))


@step(
    enable_cache=False,
    retry=StepRetryConfig(max_retries=3, delay=0.05, backoff=2),
    on_failure=on_failure_count,
)
def always_fails() -> int:
    record("attempt", get_step_context().step_run.name)
    raise ValueError("still broken")


@pipeline
def retrying() -> None:
    always_fails()


def test_retries_wait_delay_times_backoff_and_record_every_attempt() -> None:
    with pytest.raises(RunFailedError) as info:
        retrying()
    step_run = Client().get_pipeline_run(info.value.run.id).steps["always_fails"]
    assert step_run.status.value == "failed"
    attempts = step_run.attempts
    assert [a.number for a in attempts] == [1, 2, 3, 4]
    assert all("ValueError: still broken" in (a.error or "") for a in attempts)
    gaps = [
        (later.started - earlier.ended).total_seconds()  # type: ignore[operator]
        for earlier, later in itertools.pairwise(attempts)
    ]
    for gap, wait in zip(gaps, [0.05, 0.1, 0.2], strict=True):
        assert wait - 0.005 <= gap < wait + 0.2, gaps
    assert CALLS.count(("failure_hook", "ValueError", "still broken")) == 1
    assert CALLS[-1][0] == "failure_hook"  # after the last attempt


ATTEMPTS: dict[str, int] = {}


@step(
    enable_cache=False,
    retry=StepRetryConfig(max_retries=4, delay=0.01),
    on_success=lambda: record("success_hook"),
    on_failure=lambda: record("failure_hook"),
)
def flaky() -> int:
    ATTEMPTS["flaky"] = ATTEMPTS.get("flaky", 0) + 1
    if ATTEMPTS["flaky"] < 3:
        raise ConnectionError("transient")
    return 7


def test_a_step_that_recovers_is_completed_with_its_failed_attempts() -> None:
    ATTEMPTS.clear()

    @pipeline
    def recovering() -> None:
        flaky()

    run = recovering()
    step_run = run.steps["flaky"]
    assert step_run.status.value == "completed" and step_run.output.load() == 7
    assert [bool(a.error) for a in step_run.attempts] == [True, True, False]
    assert CALLS == [("success_hook",)]


@pytest.mark.parametrize(
    ("options", "count"),
    [
        ({"max_retries": -1}, 1),
        ({"max_retries": 1.5, "delay": -2, "backoff": 0}, 3),
        ({"max_retries": 2, "delay": float("nan")}, 1),
        ({"max_retries": True}, 1),
    ],
)
def test_invalid_retry_values_are_fp111(options: dict[str, Any], count: int) -> None:
    with pytest.raises(CompileError) as direct:
        StepRetryConfig(**options)
    assert [d.code for d in direct.value.diagnostics] == ["FP111"] * count
    with pytest.raises(CompileError) as via_step:
        step(retry=options)(lambda: None)
    assert {d.code for d in via_step.value.diagnostics} == {"FP111"}


def test_retry_waits_end_when_fail_fast_stops_the_step() -> None:
    @step(enable_cache=False)
    def quick_failure() -> None:
        time.sleep(0.05)
        raise RuntimeError("first")

    @step(
        enable_cache=False,
        retry=StepRetryConfig(max_retries=2, delay=10),
        on_failure=lambda: record("must not run"),
    )
    def slow_retrier() -> None:
        raise RuntimeError("again")

    @pipeline(execution_mode=ExecutionMode.FAIL_FAST)
    def racing() -> None:
        quick_failure()
        slow_retrier()

    started = time.monotonic()
    with pytest.raises(RunFailedError) as info:
        racing()
    assert time.monotonic() - started < 2
    steps = info.value.run.steps
    assert steps["quick_failure"].status.value == "failed"
    assert steps["slow_retrier"].status.value == "stopped"
    time.sleep(0.1)  # the stopped step's thread notices the stop flag within 50 ms
    assert CALLS == []


# -- hooks --------------------------------------------------------------------------------
def pipeline_success(step_name: str, step_output: Any) -> None:
    record("pipeline_success", step_name, step_output)


def pipeline_failure(exception: BaseException) -> None:
    record("pipeline_failure", get_step_context().step_run.name, str(exception))


def own_success(step_output: Any) -> None:
    record("own_success", step_output)


def own_failure() -> None:
    context = get_step_context()
    record("own_failure", context.step_run.name, context.pipeline.name)


@step(enable_cache=False)
def plain(log_dir: str = "") -> tuple[int, str]:
    return 1, "a"


@step(enable_cache=False, on_success=own_success)
def with_own_success(log_dir: str = "") -> int:
    return 2


@step(enable_cache=False)
def plain_failure(log_dir: str = "") -> None:
    raise KeyError("plain")


@step(enable_cache=False, on_failure=own_failure)
def with_own_failure(log_dir: str = "") -> None:
    raise KeyError("own")


@pipeline(on_success=pipeline_success, on_failure=pipeline_failure)
def hooked(log_dir: str = "") -> None:
    plain(log_dir)
    with_own_success(log_dir)
    plain_failure(log_dir)
    with_own_failure(log_dir)


def expected_hook_events(run_name: str) -> list[list[Any]]:
    return [
        ["own_failure", "with_own_failure", "hooked"],
        ["own_success", 2],
        ["pipeline_failure", "plain_failure", "'plain'"],
        ["pipeline_success", "plain", [1, "a"]],
    ]


@pytest.mark.parametrize("isolation", ["thread", "process"])
def test_step_hooks_win_and_get_their_arguments_and_context(isolation: str, tmp_path: Path) -> None:
    configured = hooked.with_options(settings={"orchestrator": {"isolation": isolation}})
    with pytest.raises(RunFailedError) as info:
        configured(log_dir=str(tmp_path) if isolation == "process" else "")
    got = events(tmp_path) if isolation == "process" else json.loads(json.dumps(CALLS))
    assert sorted(got, key=str) == expected_hook_events(info.value.run.name)


def broken_hook() -> None:
    raise RuntimeError("hook is broken")


@step(on_success=broken_hook, on_failure=broken_hook)
def hook_breaks(fail: bool = False) -> int:
    if fail:
        raise ValueError("the step itself")
    return 3


def test_a_raising_hook_is_a_warning_and_changes_no_status() -> None:
    @pipeline
    def warned() -> None:
        hook_breaks()

    run = warned()
    assert run.status.value == "completed"
    assert run.steps["hook_breaks"].status.value == "completed"
    stored = Client().get_pipeline_run(run.name).warnings
    assert [w["code"] for w in stored] == ["FP513"]
    assert "broken_hook" in stored[0]["message"] and "hook is broken" in stored[0]["message"]

    @pipeline
    def failing() -> None:
        hook_breaks(fail=True)

    with pytest.raises(RunFailedError) as info:
        failing()
    assert info.value.run.steps["hook_breaks"].status.value == "failed"
    assert [w["code"] for w in Client().get_pipeline_run(info.value.run.id).warnings] == ["FP513"]


@step(on_success=lambda: record("cached?"))
def cacheable() -> int:
    return 5


def test_cached_steps_run_no_hooks() -> None:
    @pipeline
    def twice() -> None:
        cacheable()

    twice()
    assert twice().steps["cacheable"].status.value == "cached"
    assert CALLS == [("cached?",)]
