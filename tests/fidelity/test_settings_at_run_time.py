"""Run time and check time agree (DESIGN decision 21): project settings that ``flow check``
reports as FP008 stop a run before it is recorded; on Python 3.10 the file is read too."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from flowplan import Client, pipeline, step
from flowplan.diagnostics import ConfigError
from flowplan.lint.config import load_config
from flowplan.project import project_settings


@step
def one() -> int:
    return 1


@pipeline
def tiny() -> None:
    one()


def _project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, table: str) -> None:
    (tmp_path / "pyproject.toml").write_text(f"[project]\nname = 'x'\n\n[tool.flowplan]\n{table}\n")
    monkeypatch.chdir(tmp_path)


def _check_messages(root: Path) -> list[str]:
    return sorted(d.message for d in project_settings(root).diagnostics)


def test_a_typo_in_the_orchestrator_variable_stops_the_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("FLOWPLAN_ORCHESTRATOR", "dsk")
    with pytest.raises(ConfigError) as info:
        tiny()
    assert {d.code for d in info.value.diagnostics} == {"FP008"}
    assert "FLOWPLAN_ORCHESTRATOR" in str(info.value)
    assert sorted(d.message for d in info.value.diagnostics) == _check_messages(tmp_path)
    with pytest.raises(ConfigError):
        one()  # a single step is a run too
    assert Client().list_pipeline_runs() == []
    monkeypatch.setenv("FLOWPLAN_ORCHESTRATOR", "local")
    assert tiny().status.value == "completed"


def test_an_unknown_key_in_the_project_table_stops_the_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _project(tmp_path, monkeypatch, 'orchestrater = "local"')
    with pytest.raises(ConfigError) as info:
        tiny()
    assert [d.code for d in info.value.diagnostics] == ["FP008"]
    assert "orchestrater" in str(info.value) and "orchestrator" in str(info.value)
    assert sorted(d.message for d in info.value.diagnostics) == _check_messages(tmp_path)
    lint_codes = [d.code for d in load_config(tmp_path).problems]
    assert lint_codes == ["FP008"]  # flow check reports the same problem


def test_python_3_10_reads_the_project_table_with_tomli(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _project(tmp_path, monkeypatch, 'orchestrator = "kubernetes"\nalerter = "log"')
    monkeypatch.setattr(sys, "version_info", (3, 10, 14, "final", 0))
    monkeypatch.delitem(sys.modules, "tomllib", raising=False)
    settings = project_settings(tmp_path)
    assert settings.pyproject == tmp_path / "pyproject.toml"
    assert [d.code for d in settings.diagnostics] == ["FP008"]
    assert "`orchestrator` in [tool.flowplan]" in settings.diagnostics[0].message
