"""How a run picks the Dask orchestrator: a ``dask_address`` in its settings, or
``orchestrator = "dask"`` project-wide (``[tool.flowplan]`` or ``FLOWPLAN_ORCHESTRATOR``)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from flowplan import pipeline, step
from flowplan.compiler.settings import OrchestratorSettings
from flowplan.executor.dask_target import DaskTarget, dask_target


def test_local_unless_asked(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    assert dask_target(OrchestratorSettings(), cpus=8) is None


def test_an_address_in_the_settings_means_dask() -> None:
    settings = OrchestratorSettings(dask_address="tcp://s:8786", max_workers=3)
    assert dask_target(settings, cpus=8) == DaskTarget("tcp://s:8786", 3)


def test_project_settings_choose_dask(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.flowplan]\norchestrator = "dask"\ndask-address = "tcp://from-file:1"\n'
    )
    monkeypatch.chdir(tmp_path)
    assert dask_target(OrchestratorSettings(max_workers=16), cpus=2) == DaskTarget(
        "tcp://from-file:1", 2
    )
    monkeypatch.setenv("FLOWPLAN_DASK_ADDRESS", "tcp://from-env:2")
    assert dask_target(OrchestratorSettings(), cpus=2) == DaskTarget("tcp://from-env:2", 2)
    settings = OrchestratorSettings(dask_address="tcp://from-pipeline:3")
    assert dask_target(settings, cpus=2) == DaskTarget("tcp://from-pipeline:3", 2)
    monkeypatch.setenv("FLOWPLAN_ORCHESTRATOR", "local")
    assert dask_target(OrchestratorSettings(), cpus=2) is None


def test_without_an_address_a_cluster_is_started(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLOWPLAN_ORCHESTRATOR", "dask")
    monkeypatch.delenv("FLOWPLAN_DASK_ADDRESS", raising=False)
    assert dask_target(OrchestratorSettings(), cpus=4) == DaskTarget(None, 4)


@step(enable_cache=False)
def where() -> int:
    return os.getpid()


@pipeline(enable_cache=False)
def one_step() -> None:
    where()


def test_the_environment_sends_a_run_to_the_cluster(
    dask_address: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FLOWPLAN_ORCHESTRATOR", "dask")
    monkeypatch.setenv("FLOWPLAN_DASK_ADDRESS", dask_address)
    run = one_step()
    assert run.steps["where"].output.load() != os.getpid()
