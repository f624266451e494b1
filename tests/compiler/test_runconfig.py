"""The run configuration: YAML and dict input, every problem a located diagnostic."""

from __future__ import annotations

import tempfile
import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flowplan.compiler.runconfig import (
    RunConfiguration,
    check_against_plan,
    load_run_config,
    parse_run_config,
)
from flowplan.diagnostics import ConfigError, Diagnostic
from flowplan.enums import ExecutionMode


def write(tmp_path: Path, text: str, name: str = "run.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def problems_of(path: Path) -> list[Diagnostic]:
    with pytest.raises(ConfigError) as info:
        load_run_config(path)
    return info.value.diagnostics


def lines_of(path: Path) -> list[str]:
    """The one-line form of every problem, with the file name relative."""
    return [d.format().replace(str(path), path.name) for d in problems_of(path)]


def test_seed_orchestrator_stack_key(tmp_path: Path) -> None:
    path = write(tmp_path, """
        settings:
          orchestrator.local_stack:
            synchronous: false
    """)
    config = load_run_config(path)
    assert config.settings.orchestrator is not None
    assert config.settings.orchestrator.synchronous is False
    assert config.settings.model_dump(exclude_none=True) == {"orchestrator": {"synchronous": False}}


def test_every_key(tmp_path: Path) -> None:
    path = write(tmp_path, """
        enable_cache: false
        run_name: nightly-{date}
        execution_mode: FAIL_FAST
        parameters:
          epochs: 3
        substitutions:
          team: ml
        settings:
          orchestrator:
            synchronous: true
            max_workers: 4
            isolation: process
            dask_address: tcp://scheduler:8786
        steps:
          train:
            enable_cache: true
            parameters: {lr: 0.1, layers: [64, 32]}
            retry: {max_retries: 3, delay: 2, backoff: 1.5}
            settings: {orchestrator: {isolation: thread}}
            on_success: mypkg.hooks.notify
            on_failure: "mypkg.hooks:page"
    """)
    config = load_run_config(path)
    assert config.enable_cache is False
    assert config.run_name == "nightly-{date}"
    assert config.execution_mode == "fail_fast"
    assert config.parameters == {"epochs": 3}
    assert config.substitutions == {"team": "ml"}
    orchestrator = config.settings.orchestrator
    assert orchestrator is not None
    assert (orchestrator.max_workers, orchestrator.isolation) == (4, "process")
    train = config.steps["train"]
    assert train.parameters == {"lr": 0.1, "layers": [64, 32]}
    assert train.retry is not None and train.retry.delay == 2.0 and train.retry.backoff == 1.5
    assert (train.on_success, train.on_failure) == ("mypkg.hooks.notify", "mypkg.hooks:page")
    assert config.source == str(path)
    assert config.position("steps", "train", "retry") == (18, 5)


def test_empty_file_is_an_empty_configuration(tmp_path: Path) -> None:
    assert load_run_config(write(tmp_path, "")) == RunConfiguration()


@pytest.mark.parametrize("spelling", ["continue_on_error", "CONTINUE_ON_FAILURE", "Continue_On_Error"])
def test_execution_mode_spellings(spelling: str) -> None:
    config = parse_run_config({"execution_mode": spelling})
    assert config.execution_mode == "continue_on_failure"
    enum_config = parse_run_config({"execution_mode": ExecutionMode.STOP_ON_FAILURE})
    assert enum_config.execution_mode == "stop_on_failure"


def test_all_problems_at_their_lines(tmp_path: Path) -> None:
    path = write(tmp_path, """
        enable_cahce: false
        run_name: 12
        execution_mode: sometimes
        steps:
          train:
            paramters:
              lr: 0.1
            retry:
              max_retries: -1
              backoff: 0
            on_success: not a path
        settings:
          orchestrator.local:
            synchronus: false
            max_workers: 0
    """)
    assert lines_of(path) == [
        "run.yaml:1:1: FP004 unknown key `enable_cahce`",
        "run.yaml:2:11: FP005 `run_name` must be a string, got 12",
        "run.yaml:3:17: FP005 `execution_mode` must be one of 'continue_on_failure', "
        "'stop_on_failure' or 'fail_fast', got 'sometimes'",
        "run.yaml:6:5: FP004 unknown key `steps.train.paramters`",
        "run.yaml:9:20: FP005 `steps.train.retry.max_retries` must be >= 0, got -1",
        "run.yaml:10:16: FP005 `steps.train.retry.backoff` must be > 0.0, got 0",
        "run.yaml:11:17: FP005 `steps.train.on_success` must be an import path like "
        "`module.func` or `module:func`, got 'not a path'",
        "run.yaml:14:5: FP004 unknown key `settings.orchestrator.local.synchronus`",
        "run.yaml:15:18: FP005 `settings.orchestrator.local.max_workers` must be >= 1, got 0",
    ]


def test_unknown_keys_suggest_the_closest(tmp_path: Path) -> None:
    path = write(tmp_path, """
        enable_cahce: false
        steps:
          train:
            paramters: {}
        settings:
          orchestrator.local:
            synchronus: false
          orchestrater: {}
    """)
    fixes = {d.message: d.fix for d in problems_of(path)}
    assert fixes == {
        "unknown key `enable_cahce`": "did you mean `enable_cache`?",
        "unknown key `steps.train.paramters`": "did you mean `parameters`?",
        "unknown key `settings.orchestrator.local.synchronus`": "did you mean `synchronous`?",
        "unknown key `settings.orchestrater`": "did you mean `orchestrator`?",
    }


def test_unknown_key_without_a_close_match_lists_the_keys(tmp_path: Path) -> None:
    [problem] = problems_of(write(tmp_path, "colour: blue\n"))
    assert problem.fix == ("known keys: enable_cache, execution_mode, extra, parameters, "
                           "run_name, settings, steps, substitutions, tags")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("steps:\n  train: {\n", "run.yaml:3:1: FP003 malformed YAML: expected the node "
         "content, but found '<stream end>' (while parsing a flow node)"),
        ("a: b: c\n", "run.yaml:1:5: FP003 malformed YAML: mapping values are not allowed here"),
        ("steps:\n  a: {}\n  a: {}\n", "run.yaml:3:3: FP003 duplicate key `steps.a`"),
        ("x: !!python/object:os.system {}\n", "run.yaml:1:4: FP003 malformed YAML: could not "
         "determine a constructor for the tag 'tag:yaml.org,2002:python/object:os.system'"),
        ("- 1\n- 2\n", "run.yaml:1:1: FP005 a run configuration is a mapping of keys, not a list"),
        ("settings:\n  orchestrator: {}\n  orchestrator.local: {}\n",
         "run.yaml:3:3: FP005 `settings.orchestrator.local` repeats the orchestrator settings"),
        ("settings:\n  orchestrator.a: {}\n  orchestrator: {}\n",
         "run.yaml:3:3: FP005 `settings.orchestrator` repeats the orchestrator settings"),
        ("steps: [train]\n", "run.yaml:1:8: FP005 `steps` must be a mapping, got a list"),
        ("a: \x01\n", "run.yaml:1:4: FP003 malformed YAML: special characters are not allowed"),
        ("steps:\n  1: {}\n", "run.yaml:2:3: FP005 key `steps.1` must be a string"),
    ],
)
def test_malformed_files(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "run.yaml"
    path.write_text(text, encoding="utf-8")
    lines = lines_of(path)
    assert lines[0] == expected
    assert "Traceback" not in str(lines) and "<unicode string>" not in str(lines)


def test_missing_file(tmp_path: Path) -> None:
    [problem] = problems_of(tmp_path / "absent.yaml")
    assert problem.code == "FP009"
    assert problem.path == str(tmp_path / "absent.yaml")


def test_config_error_is_a_value_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"FP004 .*run.yaml:1:1|run.yaml:1:1: FP004"):
        load_run_config(write(tmp_path, "bogus: 1\n"))


def test_dict_input_has_key_paths_without_lines() -> None:
    with pytest.raises(ConfigError) as info:
        parse_run_config({"steps": {"train": {"enable_cache": "yes", "paramters": {}}}},
                         source="trigger")
    assert [d.format() for d in info.value.diagnostics] == [
        "trigger: FP004 unknown key `steps.train.paramters`",
        "trigger: FP005 `steps.train.enable_cache` must be true or false, got 'yes'",
    ]


def test_dict_input_of_the_seed_trigger() -> None:
    config = parse_run_config({"steps": {"process_chunk": {"parameters": {"chunk_id": "c1"}}}})
    assert config.steps["process_chunk"].parameters == {"chunk_id": "c1"}
    assert config.source == "<run_configuration>"
    assert check_against_plan(config, ["process_chunk"], {"process_chunk": ["chunk_id"]}, []) == []


def test_dict_input_not_a_mapping() -> None:
    with pytest.raises(ConfigError) as info:
        parse_run_config(["steps"])  # type: ignore[arg-type]
    assert info.value.code == "FP005"


def test_retry_object_in_dict_input() -> None:
    from flowplan.config.retry_config import StepRetryConfig

    config = parse_run_config({"steps": {"s": {"retry": StepRetryConfig(max_retries=2, delay=1)}}})
    retry = config.steps["s"].retry
    assert retry is not None and (retry.max_retries, retry.delay) == (2, 1.0)


def test_check_against_plan(tmp_path: Path) -> None:
    path = write(tmp_path, """
        parameters:
          epohcs: 3
        steps:
          trian:
            parameters: {lr: 1}
          evaluate:
            parameters:
              treshold: 0.5
              split: test
    """)
    config = load_run_config(path)
    problems = check_against_plan(
        config, ["train", "evaluate"], {"train": ["lr"], "evaluate": ["threshold"]}, ["epochs"],
        pipeline="training")
    assert [(d.format().replace(str(path), "run.yaml"), d.fix) for d in problems] == [
        ("run.yaml:4:3: FP006 `steps.trian`: pipeline `training` has no step with id `trian`",
         "did you mean `train`?"),
        ("run.yaml:8:7: FP007 `steps.evaluate.parameters.treshold`: step `evaluate` has no "
         "parameter `treshold`", "did you mean `threshold`?"),
        ("run.yaml:9:7: FP007 `steps.evaluate.parameters.split`: step `evaluate` has no "
         "parameter `split`", "known parameters: threshold"),
        ("run.yaml:2:3: FP007 `parameters.epohcs`: pipeline `training` has no parameter "
         "`epohcs`", "did you mean `epochs`?"),
    ]


def test_check_against_plan_with_explicit_positions() -> None:
    config = parse_run_config({"parameters": {"x": 1}})
    [problem] = check_against_plan(config, [], {}, [], positions={("parameters", "x"): (7, 3)})
    assert (problem.line, problem.column, problem.fix) == (
        7, 3, "there are no parameters to set here; remove it")


# -- properties -----------------------------------------------------------------------------

_names = st.from_regex(r"[a-z_][a-z0-9_]{0,8}", fullmatch=True)
_text = st.text(st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), max_size=12)
_scalars = (st.none() | st.booleans() | st.integers(-10**9, 10**9) | _text
            | st.floats(allow_nan=False, allow_infinity=False))
_values = st.recursive(_scalars, lambda c: st.lists(c, max_size=3)
                       | st.dictionaries(_names, c, max_size=3), max_leaves=6)
_hooks = st.sampled_from(["pkg.hooks.notify", "pkg.hooks:notify", "a.b.c:d.e"])
_retry = st.fixed_dictionaries({}, optional={
    "max_retries": st.integers(0, 9), "delay": st.floats(0, 100), "backoff": st.floats(0.1, 10)})
_step = st.fixed_dictionaries({}, optional={
    "parameters": st.dictionaries(_names, _values, max_size=3), "enable_cache": st.booleans(),
    "retry": _retry, "settings": st.dictionaries(_names, _values, max_size=2),
    "on_success": _hooks, "on_failure": _hooks})
_orchestrator = st.fixed_dictionaries({}, optional={
    "synchronous": st.booleans(), "max_workers": st.integers(1, 64),
    "isolation": st.sampled_from(["thread", "process"]), "dask_address": _text})
_settings = st.one_of(
    st.just({}), _orchestrator.map(lambda o: {"orchestrator": o}),
    st.tuples(_names, _orchestrator).map(lambda t: {f"orchestrator.{t[0]}": t[1]}))
_configs = st.fixed_dictionaries({}, optional={
    "enable_cache": st.booleans(), "run_name": _text,
    "parameters": st.dictionaries(_names, _values, max_size=3),
    "steps": st.dictionaries(_names, _step, max_size=3), "settings": _settings,
    "execution_mode": st.sampled_from(["fail_fast", "FAIL_FAST", "Stop_On_Failure",
                                       "continue_on_error", "CONTINUE_ON_FAILURE"]),
    "substitutions": st.dictionaries(_names, _text, max_size=3)})


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_configs)
def test_valid_configurations_round_trip_through_yaml(data: dict[str, Any]) -> None:
    expected = parse_run_config(data)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "run.yaml"
        path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
        loaded = load_run_config(path)
    assert loaded == expected
    assert loaded.model_dump() == expected.model_dump()


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=60) | _configs.map(lambda d: yaml.safe_dump(d)[:40]))
def test_no_dependency_error_escapes(text: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "run.yaml"
        path.write_text(text, encoding="utf-8", errors="replace")
        try:
            load_run_config(path)
        except ConfigError as exc:
            assert all(d.code in {"FP002", "FP003", "FP004", "FP005"} for d in exc.diagnostics)
