"""[tool.flowplan] keys reach the parts that use them: home, enforcement, synchronous."""

from __future__ import annotations

from pathlib import Path

import pytest

from flowplan import pipeline, step
from flowplan.diagnostics import FlowplanError
from flowplan.store.location import resolve_home


def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, table: str) -> Path:
    (tmp_path / "pyproject.toml").write_text(f"[project]\nname = 'x'\n\n[tool.flowplan]\n{table}\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("FLOWPLAN_HOME", raising=False)
    return tmp_path


def test_home_from_pyproject(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = project(tmp_path, monkeypatch, 'home = "store/here"')
    assert resolve_home() == (root / "store" / "here").resolve()
    monkeypatch.setenv("FLOWPLAN_HOME", str(tmp_path / "env-wins"))
    assert resolve_home() == (tmp_path / "env-wins").resolve()


def test_enforce_type_annotations_from_pyproject(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project(tmp_path, monkeypatch, "enforce-type-annotations = true")

    @step
    def loose(x):  # type: ignore[no-untyped-def]
        return x

    @pipeline
    def pipe() -> None:
        loose(1)

    with pytest.raises(FlowplanError) as info:
        pipe.compile()
    assert {d.code for d in info.value.diagnostics} == {"FP101"}
    monkeypatch.setenv("FLOWPLAN_ENFORCE_TYPE_ANNOTATIONS", "false")
    pipe.compile()


def test_stack_wide_asynchronous_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project(tmp_path, monkeypatch, "synchronous = false")

    @step
    def one() -> int:
        return 1

    @pipeline
    def pipe() -> None:
        one()

    run = pipe()
    assert run.wait(timeout=60).status.value == "completed"
    explicit = pipe.with_options(settings={"orchestrator": {"synchronous": True}})()
    assert explicit.status.value == "completed"


def test_the_project_root_is_found_from_a_linked_folder_and_not_above_the_top(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flowplan.project import find_project_root

    root = tmp_path / "proj"
    (root / "pkg" / "deep").mkdir(parents=True)
    (root / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    (tmp_path / "link").symlink_to(root / "pkg")
    monkeypatch.chdir(tmp_path / "link" / "deep")
    assert find_project_root() == root.resolve()
    assert find_project_root(tmp_path / "link") == root.resolve()
    monkeypatch.chdir("/")
    assert find_project_root() == (Path("/") if Path("/.git").exists() or Path("/pyproject.toml").exists() else None)
