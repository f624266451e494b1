"""Random DAGs with random failing steps: each execution mode's statuses match a reference
model, and no step starts before all of its dependencies (data and ``after=``) completed."""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from flowplan import (
    ExecutionMode,
    ExecutionStatus,
    RunFailedError,
    get_step_context,
    pipeline,
    step,
)
from flowplan.client import PipelineRun
from flowplan.compiler.pipeline import Pipeline
from tests.strategies import Dag, dags, dags_with_failures, execution_modes, failure_sets

M = ExecutionMode
FAILING: set[str] = set()
EVENTS: dict[str, dict[str, list[float]]] = defaultdict(dict)  # run id -> step -> [start, end]
_LOCK = threading.Lock()


@step(enable_cache=False)
def node(inputs: list[int]) -> int:
    context = get_step_context()
    run, me = str(context.pipeline_run.id), context.step_run.name
    with _LOCK:
        EVENTS[run][me] = [time.perf_counter()]
    try:
        if me in FAILING:
            raise RuntimeError(f"{me} fails on purpose")
        return sum(inputs) + 1
    finally:
        with _LOCK:
            EVENTS[run][me].append(time.perf_counter())


def build(dag: Dag, mode: ExecutionMode, max_workers: int | None) -> Pipeline:
    def random_dag() -> None:
        outputs: dict[int, Any] = {}
        for i in range(dag.size):
            outputs[i] = node(
                [outputs[p] for p in dag.data_parents(i)],
                id=f"n{i}",
                after=[f"n{p}" for p in dag.after_parents(i)],
            )

    orchestrator = {"max_workers": max_workers} if max_workers else {}
    return pipeline(random_dag, execution_mode=mode, settings={"orchestrator": orchestrator})


def reference(dag: Dag, failing: frozenset[int], mode: ExecutionMode) -> dict[str, str]:
    """Statuses of a run that starts one ready step at a time, lowest index first."""
    out: dict[int, str] = {}
    halted = False
    for i in range(dag.size):
        if halted or any(out[p] != "completed" for p in dag.parents(i)):
            out[i] = "skipped"
        elif i in failing:
            out[i] = "failed"
            halted = mode is not M.CONTINUE_ON_FAILURE
        else:
            out[i] = "completed"
    return {f"n{i}": status for i, status in out.items()}


def run_dag(
    dag: Dag, failing: frozenset[int], mode: ExecutionMode, max_workers: int | None = None
) -> tuple[dict[str, str], dict[str, list[float]], PipelineRun]:
    FAILING.clear()
    FAILING.update(f"n{i}" for i in failing)
    try:
        run = build(dag, mode, max_workers)()
    except RunFailedError as exc:
        run = exc.run
    statuses = {name: s.status.value for name, s in run.steps.items()}
    with _LOCK:
        events = {k: list(v) for k, v in EVENTS.pop(str(run.id), {}).items()}
    return statuses, events, run


def check_dependencies_first(dag: Dag, events: dict[str, list[float]]) -> None:
    for name, times in events.items():
        for parent in dag.parents(int(name[1:])):
            parent_times = events.get(f"n{parent}", [])
            assert len(parent_times) == 2, f"{name} started but its parent n{parent} did not end"
            assert parent_times[1] <= times[0], f"{name} started before n{parent} ended"


@settings(max_examples=25, deadline=None)
@given(dags_with_failures())
def test_one_worker_matches_the_model_exactly(
    case: tuple[Dag, frozenset[int], ExecutionMode],
) -> None:
    dag, failing, mode = case
    statuses, events, _ = run_dag(dag, failing, mode, max_workers=1)
    assert statuses == reference(dag, failing, mode)
    assert set(events) == {n for n, s in statuses.items() if s in ("completed", "failed")}
    check_dependencies_first(dag, events)


@settings(max_examples=15, deadline=None)
@given(dags(max_nodes=8).flatmap(lambda d: st.tuples(st.just(d), failure_sets(d))))
def test_parallel_continue_on_failure_matches_the_model(
    case: tuple[Dag, frozenset[int]],
) -> None:
    dag, failing = case
    statuses, events, _ = run_dag(dag, failing, M.CONTINUE_ON_FAILURE, max_workers=4)
    assert statuses == reference(dag, failing, M.CONTINUE_ON_FAILURE)
    check_dependencies_first(dag, events)


@settings(max_examples=20, deadline=None)
@given(
    dags(max_nodes=8).flatmap(
        lambda d: st.tuples(
            st.just(d),
            failure_sets(d),
            execution_modes().filter(lambda m: m is not M.CONTINUE_ON_FAILURE),
        )
    )
)
def test_parallel_stopping_modes_keep_their_invariants(
    case: tuple[Dag, frozenset[int], ExecutionMode],
) -> None:
    """Which siblings were running at the first failure depends on timing; the rules do not."""
    dag, failing, mode = case
    statuses, events, run = run_dag(dag, failing, mode, max_workers=4)
    allowed = {"completed", "failed", "skipped"} | ({"stopped"} if mode is M.FAIL_FAST else set())
    assert set(statuses.values()) <= allowed
    assert ("failed" in statuses.values()) == bool(failing)
    for name, status in statuses.items():
        i = int(name[1:])
        deps_completed = all(statuses[f"n{p}"] == "completed" for p in dag.parents(i))
        if status == "completed":
            assert i not in failing and deps_completed and len(events[name]) == 2
        elif status == "failed":
            assert i in failing and deps_completed
        elif status == "stopped":
            assert deps_completed  # it had been started
        else:
            assert name not in events, f"{name} is skipped but it ran"
    started = [n for n in statuses if n in events]
    if mode is M.STOP_ON_FAILURE:  # what starts, finishes
        assert all(statuses[n] in ("completed", "failed") for n in started)
    check_dependencies_first(dag, {n: t for n, t in events.items() if len(t) == 2})
    assert ExecutionStatus.SKIPPED.value not in {statuses[n] for n in started}
    if failing:  # the driver records starts and ends in order: none starts after a failure
        steps = run.steps.values()
        first_failure = min(s.end_time for s in steps if s.status.value == "failed")  # type: ignore[type-var]
        assert all(s.start_time <= first_failure for s in steps if s.start_time is not None)
