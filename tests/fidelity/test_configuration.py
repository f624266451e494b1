"""Configuration as ZenML's own step and pipeline tests expect it: ``merge=False``,
``parameters=``, conflicts between code and configuration, ``extra`` everywhere, code beating
the ``config_path`` file given in the same call, output materializers as a list."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from flowplan import get_step_context, pipeline, step
from flowplan.diagnostics import CompileError, FlowplanError
from flowplan.store import BaseMaterializer


@step
def scaled(value: int, factor: int = 1) -> int:
    return value * factor


@pipeline
def scaling(value: int = 2) -> None:
    scaled(value=value)


def test_configure_merges_by_default_and_replaces_with_merge_false() -> None:
    configured = scaled.with_options(settings={"orchestrator": {}}, extra={"a": 1})
    configured.configure(extra={"b": 2})
    assert configured.extra == {"a": 1, "b": 2}
    configured.configure(extra={"c": 3}, merge=False)
    assert configured.extra == {"c": 3}
    pipe = scaling.with_options(extra={"a": 1}).with_options(extra={"b": 2}, merge=False)
    assert pipe.extra == {"b": 2}


def test_step_parameters_fill_inputs_the_call_leaves_out() -> None:
    tripled = scaled.with_options(parameters={"factor": 3})

    @pipeline
    def uses() -> None:
        tripled(value=2)

    assert uses().steps["scaled"].output.load() == 6
    assert tripled(value=5) == 15  # a single-step call too


def test_a_parameter_given_in_code_and_configuration_differently_is_refused() -> None:
    conflicting = scaled.with_options(parameters={"factor": 3})

    @pipeline
    def both() -> None:
        conflicting(value=2, factor=4)

    with pytest.raises(CompileError) as info:
        both.compile()
    assert info.value.code == "FP316"
    assert "factor" in str(info.value) and "4" in str(info.value) and "3" in str(info.value)


def test_pipeline_parameters_option() -> None:
    assert scaling.with_options(parameters={"value": 7})().steps["scaled"].output.load() == 7
    with pytest.raises(CompileError) as info:
        scaling.with_options(parameters={"value": 7}).compile(value=8)
    assert info.value.code == "FP316"


def test_a_run_configuration_that_contradicts_the_code_is_refused(tmp_path: Path) -> None:
    @pipeline
    def fixed() -> None:
        scaled(value=2, factor=4)

    config = tmp_path / "run.yaml"
    config.write_text("steps:\n  scaled:\n    parameters:\n      factor: 5\n")
    with pytest.raises(FlowplanError) as info:
        fixed.with_options(config_path=str(config)).compile()
    assert info.value.code == "FP316" and "run configuration" in str(info.value)
    config.write_text("steps:\n  scaled:\n    parameters:\n      factor: 4\n")
    fixed.with_options(config_path=str(config)).compile()  # the same value is no conflict


def test_the_config_file_is_visible_on_the_pipeline_and_code_wins(tmp_path: Path) -> None:
    config = tmp_path / "run.yaml"
    config.write_text(
        "run_name: from_file_{time}\nenable_cache: false\nextra:\n  team: vision\n"
        "steps:\n  scaled:\n    extra:\n      owner: ana\n"
    )
    configured = scaling.with_options(config_path=str(config), run_name="from_code_{time}")
    assert configured.enable_cache is False
    assert configured.extra == {"team": "vision"}
    assert configured.run_name == "from_code_{time}"
    plan = configured.compile()
    assert plan.config.run_name == "from_code_{time}"
    assert plan.invocation("scaled").config.extra == {"owner": "ana"}


seen: list[Any] = []


@step
def reads_extra() -> None:
    context = get_step_context()
    seen.append((context.pipeline_run.config.extra, context.step_run.config.extra))


def test_the_step_context_shows_extra() -> None:
    seen.clear()

    @pipeline(extra={"team": "vision"})
    def with_extra() -> None:
        reads_extra.with_options(extra={"owner": "ana"})()

    with_extra.with_options(enable_cache=False)()
    assert seen == [({"team": "vision"}, {"owner": "ana"})]


class Upper(BaseMaterializer):
    ASSOCIATED_TYPES = (str,)
    NAME = "upper"

    def save(self, value: Any) -> bytes:
        return str(value).upper().encode()

    def load(self, data: bytes, data_type: Any) -> Any:
        return data.decode()


materializers: list[Any] = []


@step(output_materializers=[Upper])
def shout() -> str:
    materializers.append(get_step_context().get_output_materializer())
    return "quiet"


def test_output_materializers_as_a_list_reach_the_run_and_the_context() -> None:
    materializers.clear()

    @pipeline(enable_cache=False)
    def loud() -> None:
        shout()

    run = loud()
    assert run.steps["shout"].output.load() == "QUIET"
    assert isinstance(materializers[0], Upper)


def test_a_materializer_list_of_the_wrong_length_is_refused() -> None:
    with pytest.raises(CompileError) as info:
        shout.with_options(output_materializers=[Upper, Upper])
    assert info.value.code == "FP131"


class Stamped(BaseMaterializer):
    """Writes the name of the step run that saves the value: it reads the step context."""

    ASSOCIATED_TYPES = (str,)
    NAME = "stamped"

    def save(self, value: Any) -> bytes:
        return f"{get_step_context().step_run.name}|{value}".encode()

    def load(self, data: bytes, data_type: Any) -> Any:
        return data.decode()


@step(output_materializers=Stamped, enable_cache=False)
def stamped() -> str:
    return "x"


@pytest.mark.parametrize("isolation", ["thread", "process"])
def test_a_materializer_reaches_the_step_context(isolation: str) -> None:
    @pipeline(settings={"orchestrator": {"isolation": isolation}})
    def stamping() -> None:
        stamped()

    assert stamping().steps["stamped"].output.load() == "stamped|x"
