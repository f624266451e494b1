"""YAML run configurations (``with_options(config_path=...)``) and mapping configurations."""

from __future__ import annotations

from pathlib import Path

import pytest

from flowplan import pipeline, step
from flowplan.compiler.plan import ParameterInput
from flowplan.diagnostics import FlowplanError


@step
def greet(name: str = "world", times: int = 1) -> str:
    return " ".join([f"hello {name}"] * times)


@pipeline
def hello(who: str = "x") -> None:
    greet(name=who)


GOOD = """\
enable_cache: false
run_name: "configured_{experiment}_{date}"
substitutions:
  experiment: e7
parameters:
  who: yaml
steps:
  greet:
    enable_cache: true
    parameters:
      times: 2
    retry:
      max_retries: 2
      delay: 0.5
settings:
  orchestrator.local_stack:
    max_workers: 3
execution_mode: FAIL_FAST
"""


def write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "run.yaml"
    path.write_text(text)
    return str(path)


def test_every_key_of_a_yaml_configuration_applies(tmp_path: Path) -> None:
    plan = hello.with_options(config_path=write(tmp_path, GOOD)).compile()
    assert plan.parameters == {"who": "yaml"}
    assert plan.config.enable_cache is False
    assert plan.config.run_name == "configured_{experiment}_{date}"
    assert plan.config.substitutions == {"experiment": "e7"}
    assert plan.config.execution_mode == "fail_fast"
    assert plan.config.settings == {"orchestrator": {"max_workers": 3}}
    inv = plan.invocation("greet")
    assert inv.inputs == {"name": ParameterInput(value="yaml"), "times": ParameterInput(value=2)}
    assert inv.config.enable_cache is True
    assert inv.config.retry is not None and inv.config.retry.max_retries == 2
    assert greet.enable_cache is None  # the step object itself is unchanged


def test_call_parameters_beat_configured_ones_and_runs_use_the_config(tmp_path: Path) -> None:
    configured = hello.with_options(config_path=write(tmp_path, GOOD))
    assert configured.compile(who="call").parameters == {"who": "call"}
    run = configured()
    assert run.name.startswith("configured_e7_")
    assert run.steps["greet"].output.load() == "hello yaml hello yaml"


def test_unknown_ids_and_parameters_are_all_reported_with_lines(tmp_path: Path) -> None:
    bad = "parameters:\n  whoo: 1\nsteps:\n  greet:\n    parameters:\n      timez: 2\n  great: {}\n"
    with pytest.raises(FlowplanError) as info:
        hello.with_options(config_path=write(tmp_path, bad)).compile()
    found = {(d.code, d.line) for d in info.value.diagnostics}
    assert found == {("FP007", 2), ("FP007", 6), ("FP006", 7)}
    assert "did you mean `who`" in (info.value.diagnostics[0].fix or "")


def test_wrong_types_and_malformed_yaml_are_diagnostics(tmp_path: Path) -> None:
    with pytest.raises(FlowplanError) as info:
        hello.with_options(config_path=write(tmp_path, "enable_cache: maybe\n")).compile()
    assert info.value.code == "FP005" and info.value.diagnostic.line == 1
    with pytest.raises(FlowplanError) as info:
        hello.with_options(config_path=write(tmp_path, "steps: [\n")).compile()
    assert info.value.code == "FP003"
    with pytest.raises(FlowplanError) as info:
        hello.with_options(config_path=str(tmp_path / "missing.yaml")).compile()
    assert info.value.code == "FP009"


def test_configured_parameter_of_the_wrong_type(tmp_path: Path) -> None:
    text = "steps:\n  greet:\n    parameters:\n      times: many\n"
    with pytest.raises(FlowplanError) as info:
        hello.with_options(config_path=write(tmp_path, text)).compile()
    assert info.value.code == "FP306"
    assert info.value.diagnostic.line == 4


def test_mapping_configuration() -> None:
    compiled = hello.compiled_with({"steps": {"greet": {"parameters": {"times": 3}}}})
    assert compiled.plan.invocation("greet").inputs["times"] == ParameterInput(value=3)
    with pytest.raises(FlowplanError) as info:
        hello.compiled_with({"stepz": {}})
    assert info.value.code == "FP004"
