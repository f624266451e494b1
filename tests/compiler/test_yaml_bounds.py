"""YAML run configurations whose aliases would expand past the bounds are one diagnostic
(FP010), quickly, on the run path (``with_options(config_path=...)``) and on the check path."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from flowplan import pipeline, step
from flowplan.compiler.runconfig import load_run_config
from flowplan.compiler.yamlbounds import MAX_NODES
from flowplan.diagnostics import ConfigError, FlowplanError


def alias_bomb(depth: int, width: int = 10) -> str:
    """About 330 bytes at depth 8: each level lists the one before ``width`` times."""
    lines = [f"l0: &l0 [{', '.join(['x'] * width)}]"]
    for level in range(1, depth + 1):
        refs = ", ".join([f"*l{level - 1}"] * width)
        lines.append(f"l{level}: &l{level} [{refs}]")
    return "\n".join(lines) + "\n"


@step
def one() -> int:
    return 1


@pipeline
def tiny() -> None:
    one()


@pytest.mark.parametrize("text", [
    alias_bomb(8),
    alias_bomb(30, width=2),
    "a: &a [1, *a]\n",
    "a: &a {b: *a}\n",
])
def test_alias_bombs_and_self_references_are_refused_at_once(tmp_path: Path, text: str) -> None:
    path = tmp_path / "run.yaml"
    path.write_text(text)
    start = time.perf_counter()
    with pytest.raises(ConfigError) as info:
        load_run_config(path)
    assert time.perf_counter() - start < 2.0
    [problem] = info.value.diagnostics
    assert problem.code == "FP010" and problem.line is not None and problem.column is not None


def test_a_run_refuses_a_bomb_before_any_step_runs(tmp_path: Path) -> None:
    path = tmp_path / "run.yaml"
    path.write_text(alias_bomb(9))
    with pytest.raises(FlowplanError, match="FP010"):
        tiny.with_options(config_path=str(path)).compile()


def test_shared_aliases_within_the_bounds_still_load(tmp_path: Path) -> None:
    path = tmp_path / "run.yaml"
    path.write_text("parameters: &p {}\nsteps:\n  one: &s {enable_cache: false}\n")
    config = load_run_config(path)
    assert config.steps["one"].enable_cache is False
    assert MAX_NODES > 10_000


def test_flow_check_reports_a_bomb_named_by_a_pipeline(tmp_path: Path) -> None:
    from flowplan.lint.commands import run_check

    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    (tmp_path / "run.yaml").write_text(alias_bomb(9))
    (tmp_path / "pipes.py").write_text(
        "from flowplan import pipeline, step\n\n@step\ndef one() -> int:\n    return 1\n\n"
        "@pipeline(config_path='run.yaml')\ndef tiny() -> None:\n    one()\n")
    start = time.perf_counter()
    status = run_check([str(tmp_path)], use_cache=False, jobs=1)
    assert status == 1 and time.perf_counter() - start < 10
