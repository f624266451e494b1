"""The scheduler on its own: ready steps in plan order, what a failure does under each mode,
and the graph a pipeline's runs share."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from flowplan import ExecutionMode, ExecutionStatus, pipeline, step
from flowplan.executor import scheduler
from flowplan.executor.scheduler import Graph, Scheduler, graph_of

S = ExecutionStatus
M = ExecutionMode
DIAMOND = {"a": [], "b": ["a"], "c": ["a"], "d": ["b", "c", "b"]}


def test_ready_steps_come_in_plan_order_once_their_dependencies_completed() -> None:
    run = Scheduler(DIAMOND, M.CONTINUE_ON_FAILURE)
    assert run.ready() == ["a"] and run.ready() == []
    run.finish("a", S.COMPLETED)
    assert run.ready(1) == ["b"] and run.running == {"b"}
    assert run.ready() == ["c"]
    run.finish("c", S.CACHED)
    assert run.ready() == []  # d still waits for b (named twice, counted once)
    run.finish("b", S.COMPLETED)
    assert run.ready() == ["d"]


def test_a_failure_skips_its_descendants_or_everything_not_started_by_mode() -> None:
    going_on = Scheduler(DIAMOND, M.CONTINUE_ON_FAILURE)
    going_on.ready()
    going_on.finish("a", S.COMPLETED)
    assert going_on.ready() == ["b", "c"]
    going_on.finish("b", S.FAILED)
    assert going_on.status["d"] is S.SKIPPED and "c" not in going_on.status
    going_on.finish("c", S.COMPLETED)
    assert going_on.ready() == []

    fail_fast = Scheduler(DIAMOND, M.FAIL_FAST)
    fail_fast.ready()
    fail_fast.finish("a", S.COMPLETED)
    fail_fast.ready()
    fail_fast.finish("b", S.FAILED)
    assert fail_fast.status == {"a": S.COMPLETED, "b": S.FAILED, "c": S.STOPPED, "d": S.SKIPPED}
    fail_fast.finish("c", S.COMPLETED)  # a stopped step's late result is discarded
    assert fail_fast.status["c"] is S.STOPPED


def test_the_runs_of_a_graph_do_not_share_their_progress() -> None:
    graph = Graph(DIAMOND)
    first = Scheduler(graph, M.CONTINUE_ON_FAILURE)
    first.ready()
    first.finish("a", S.COMPLETED)
    second = Scheduler(graph, M.CONTINUE_ON_FAILURE)
    assert second.ready() == ["a"] and graph.waiting == [0, 1, 1, 2]


@dataclass
class _Inv:
    id: str
    deps: list[str] = field(default_factory=list)

    def upstream(self) -> list[str]:
        return self.deps


@dataclass
class _Plan:
    pipeline: str
    invocations: list[_Inv]


def test_a_graph_is_taken_up_only_for_the_same_invocation_objects() -> None:
    a, b = _Inv("a"), _Inv("b", ["a"])
    first = graph_of(_Plan("g", [a, b]))  # type: ignore[arg-type]
    assert graph_of(_Plan("g", [a, b])) is first  # type: ignore[arg-type]
    other = graph_of(_Plan("g", [a, _Inv("b")]))  # type: ignore[arg-type]  # equal ids only
    assert other is not first and other.waiting == [0, 0] and first.waiting == [0, 1]
    assert graph_of(_Plan("g", [a])).order == ["a"]  # type: ignore[arg-type]
    assert graph_of(_Plan("g", [a, b])).invocations == {"a": a, "b": b}  # type: ignore[arg-type]


@step(enable_cache=False)
def _one() -> int:
    return 1


@step(enable_cache=False)
def _plus(x: int) -> int:
    return x + 1


def test_a_pipelines_next_run_takes_up_the_graph_of_its_previous_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    made: list[Graph] = []

    class Counted(Graph):
        __slots__ = ()

        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, **kwargs)  # type: ignore[arg-type]
            made.append(self)

    monkeypatch.setattr(scheduler, "Graph", Counted)

    @pipeline(name="graph_taken_up")
    def chain() -> None:
        _plus(_plus(_one()))

    for _ in range(3):
        run = chain()
        assert [s.status for s in run.steps.values()] == [S.COMPLETED] * 3
    assert len(made) == 1

    @pipeline(name="graph_taken_up")
    def longer() -> None:
        _plus(_plus(_plus(_one())))

    assert len(longer().steps) == 4 and len(made) == 2


def test_a_step_result_starts_with_lists_of_its_own_and_pickles_whole() -> None:
    import pickle

    from flowplan.executor.runner import StepResult

    first, second = StepResult("a", False), StepResult("b", True, stdout="hi", stopped=True)
    first.attempts.append("x")  # type: ignore[arg-type]
    first.warnings.append("w")  # type: ignore[arg-type]
    assert second.attempts == [] and second.warnings == [] and second.outputs == []
    assert (second.stdout, second.stopped, second.echoed, second.error) == ("hi", True, True, None)
    assert pickle.loads(pickle.dumps(second)) == second
