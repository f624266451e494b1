from __future__ import annotations

from pathlib import Path

import pytest

from flowplan.store.location import resolve_home


def test_env_var_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLOWPLAN_HOME", str(tmp_path / "elsewhere"))
    assert resolve_home(tmp_path) == (tmp_path / "elsewhere").resolve()


@pytest.mark.parametrize("marker", ["pyproject.toml", ".git"])
def test_nearest_project_root_upward(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, marker: str
) -> None:
    monkeypatch.delenv("FLOWPLAN_HOME", raising=False)
    (tmp_path / marker).touch()
    nested = tmp_path / "pkg" / "sub"
    nested.mkdir(parents=True)
    assert resolve_home(nested) == tmp_path.resolve() / ".flowplan"


def test_without_project_root_uses_start(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FLOWPLAN_HOME", raising=False)
    monkeypatch.setattr("flowplan.store.location.find_project_root", lambda start=None: None)
    assert resolve_home(tmp_path) == tmp_path.resolve() / ".flowplan"


def test_resolved_at_call_time_from_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FLOWPLAN_HOME", raising=False)
    first, second = tmp_path / "a", tmp_path / "b"
    for project in (first, second):
        project.mkdir()
        (project / "pyproject.toml").touch()
    monkeypatch.chdir(first)
    assert resolve_home() == first.resolve() / ".flowplan"
    monkeypatch.chdir(second)
    assert resolve_home() == second.resolve() / ".flowplan"
    monkeypatch.setenv("FLOWPLAN_HOME", str(tmp_path / "env"))
    assert resolve_home() == (tmp_path / "env").resolve()
