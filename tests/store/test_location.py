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


def test_runs_of_a_process_share_their_store_while_its_database_stays(
    isolated_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shutil

    from flowplan.store.local import LocalStore

    first = LocalStore.for_runs()
    assert LocalStore.for_runs() is first  # same home, same database file: no new connection
    first.metadata.create_run("r", "p", {}, None, {})
    shutil.rmtree(isolated_home)  # a new database file at the same place: opened anew
    second = LocalStore.for_runs()
    assert second is not first and second.metadata.list_runs() == []
    monkeypatch.setenv("FLOWPLAN_HOME", str(tmp_path / "elsewhere"))
    third = LocalStore.for_runs()  # resolved again when each run starts (decision 11)
    assert third is not second and third.home == (tmp_path / "elsewhere").resolve()
