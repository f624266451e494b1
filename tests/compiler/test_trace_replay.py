"""A run's compile follows the pipeline's previous trace (flowplan.compiler.frontends.replay):
while every step call is the one made then, its invocation is taken up and the plan is not
serialised again.  Whatever changes, the plan must be exactly the one a full compile makes:
same JSON, same hash, same objects' values, same warnings."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flowplan import pipeline, step
from flowplan.compiler import plan_json
from flowplan.compiler.build import compile_pipeline
from flowplan.compiler.pipeline import Pipeline
from flowplan.compiler.pipeline_definition import CompiledPipeline
from flowplan.compiler.plan import Invocation


@step
def inc(x: int) -> int:
    return x + 1


@step
def take(x: Any, label: Any = None) -> int:
    return 0


@step
def pair() -> tuple[int, int]:
    return 1, 2


@step
def note() -> None:
    pass


@pipeline
def chain(n: int = 3) -> None:
    v = inc(x=0, id="first")
    for i in range(n):
        v = inc(v, id=f"s{i}")


def _compile_for_run(pipe: Pipeline[..., Any], **params: Any) -> CompiledPipeline:
    return compile_pipeline(pipe, (), params, for_run=True)


def _same_as_a_full_compile(pipe: Pipeline[..., Any], **params: Any) -> CompiledPipeline:
    """The run's compile, checked against a full compile of the same call."""
    ran = _compile_for_run(pipe, **params)
    full = pipe.compiled(**params)
    assert ran.plan_json == full.plan_json == ran.plan.to_json()
    assert ran.plan_hash == full.plan_hash
    assert ran.plan == full.plan
    assert [d.code for d in ran.warnings] == [d.code for d in full.warnings]
    assert list(ran.steps) == list(full.steps)
    return ran


def test_an_unchanged_pipeline_takes_up_its_invocations_and_writes_none_of_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    chain.trace_record = None
    first = _same_as_a_full_compile(chain, n=4)
    written: list[object] = []
    write = plan_json._ENCODERS[Invocation]
    monkeypatch.setitem(plan_json._ENCODERS, Invocation,
                        lambda inv, memo: written.append(inv) or write(inv, memo))
    third = _compile_for_run(chain, n=4)
    assert written == []
    assert third.plan_json is first.plan_json and third.plan_hash == first.plan_hash
    assert all(a is b for a, b in zip(third.plan.invocations, first.plan.invocations,
                                      strict=True))
    assert third.plan is not first.plan and third.plan.invocations is not first.plan.invocations


def test_more_or_fewer_calls_are_compiled_the_full_way_from_where_they_differ() -> None:
    chain.trace_record = None
    for n in (3, 5, 5, 2, 0, 2, 3):
        _same_as_a_full_compile(chain, n=n)


def test_a_step_changed_between_runs_is_seen() -> None:
    @step
    def local(x: int) -> int:
        return x

    @pipeline
    def uses() -> None:
        local(local(1))

    first = _same_as_a_full_compile(uses)
    local.configure(enable_cache=False, settings={"orchestrator": {"max_workers": 2}})
    second = _same_as_a_full_compile(uses)
    assert second.plan_hash != first.plan_hash
    assert second.plan.invocations[0].config.enable_cache is False
    local.name = "renamed"  # (an attribute set directly: no new template)
    third = _same_as_a_full_compile(uses)
    assert [inv.step for inv in third.plan.invocations] == ["renamed", "renamed"]


def test_a_closure_value_and_step_parameters_changed_in_place_are_seen() -> None:
    scale = {"value": 1}

    def make() -> Any:
        factor = scale["value"]

        @step
        def scaled(x: int) -> int:
            return x * factor

        return scaled

    scaled = make()
    given = take.with_options(parameters={"label": "a"})

    @pipeline
    def uses() -> None:
        given(scaled(1))

    first = _same_as_a_full_compile(uses)
    scaled.entrypoint.__closure__[0].cell_contents = 2  # type: ignore[index]
    given.parameters["label"] = "b"
    second = _same_as_a_full_compile(uses)
    assert second.plan.invocations[0].code_hash != first.plan.invocations[0].code_hash
    assert second.plan.invocations[1].inputs["label"].value == "b"  # type: ignore[union-attr]


def test_another_pipeline_of_the_same_body_and_a_renamed_copy_are_their_own() -> None:
    chain.trace_record = None
    _same_as_a_full_compile(chain)
    renamed = chain.with_options(name="other")
    plan = _same_as_a_full_compile(renamed).plan
    assert plan.invocations[0].outputs[0].artifact_name == "other::first::output"
    _same_as_a_full_compile(chain)


def test_the_same_place_reached_from_two_branches_and_a_helper() -> None:
    def helper(v: Any) -> Any:
        return inc(v)

    @pipeline
    def branches(flag: bool = True, through_helper: bool = False) -> None:
        v = inc(x=1)
        same = v
        v = inc(v) if flag else inc(same)  # one call at two places
        if through_helper:
            helper(v)
        a, b = pair()
        take([a, b], after=[v, note()])

    for flag, through_helper in ((True, False), (False, False), (True, True), (True, True),
                                 (False, False), (True, False)):
        _same_as_a_full_compile(branches, flag=flag, through_helper=through_helper)


def test_a_run_configuration_is_never_followed_nor_recorded() -> None:
    chain.trace_record = None
    config = {"steps": {"s0": {"enable_cache": False}}}
    compiled = compile_pipeline(chain, (), {}, __import__(
        "flowplan.compiler.runconfig", fromlist=["parse_run_config"]
    ).parse_run_config(config), for_run=True)
    assert compiled.plan.invocations[1].config.enable_cache is False
    assert chain.trace_record is None


def test_a_plan_given_to_the_caller_changes_no_later_compile() -> None:
    chain.trace_record = None
    _compile_for_run(chain)
    given = chain.compile()
    given.invocations[1].config.settings["orchestrator"] = {"max_workers": 9}
    given.invocations[1].input_defs.append(given.invocations[1].input_defs[0])
    given.invocations[1].source.line = 1
    assert given.invocations[2].config is given.invocations[1].config  # one copy per step
    ran = _same_as_a_full_compile(chain)
    assert ran.plan.invocations[1].config.settings == {}
    assert len(ran.plan.invocations[1].input_defs) == 1


# The values a call can be given, of every type a key tells apart exactly (1, True and 1.0
# are equal in Python, and 0.0 and -0.0; their JSON is not).
plain = st.sampled_from([1, True, 1.0, 0.0, -0.0, 0, False, "1", None, 2**70])
values = plain | st.lists(plain, max_size=1) | st.tuples(plain) | st.dictionaries(
    st.sampled_from(["a", 1]), plain, max_size=1)


@pipeline
def shaped(first: Any = 0, second: Any = 0, n: int = 1, custom: Any = None) -> None:
    v = inc(x=0) if custom is None else inc(x=0, id=custom)
    for _ in range(n):
        v = inc(v)
    take(first)
    take(v, label=second)


@settings(max_examples=80, deadline=None)
@given(start=st.fixed_dictionaries({
    "first": values, "second": values, "n": st.integers(0, 1),
    "custom": st.sampled_from([None, "inc_2"]),
}), changes=st.lists(st.tuples(st.sampled_from(["first", "second"]), values), max_size=6))
def test_runs_of_any_arguments_in_a_row_compile_as_a_full_compile_would(
    start: dict[str, Any], changes: list[tuple[str, Any]],
) -> None:
    shaped.trace_record = None
    params = dict(start)
    for name, value in [("first", start["first"]), *changes]:
        params[name] = value
        _compiles_alike(params)


@pytest.mark.parametrize(("before", "after"), [
    (1, True), (1, 1.0), (0.0, -0.0), (0, False), ([1], [True]), ((1,), [1]),
    ({"a": 1}, {"a": True}), ({"a": 1}, {1: 1}), ("1", 1),
])
def test_values_python_finds_equal_are_told_apart(before: Any, after: Any) -> None:
    shaped.trace_record = None
    for value in (before, after, before):
        _compiles_alike({"first": value})


def _compiles_alike(params: dict[str, Any]) -> None:
    try:
        full = shaped.compiled(**params)
    except Exception as exc:  # a refused value: the run's compile refuses it alike
        with pytest.raises(type(exc)) as refused:
            _compile_for_run(shaped, **params)
        assert str(refused.value) == str(exc)
        return
    ran = _compile_for_run(shaped, **params)
    assert ran.plan_json == full.plan_json == ran.plan.to_json()
    assert ran.plan_hash == full.plan_hash
    assert [d.code for d in ran.warnings] == [d.code for d in full.warnings]
