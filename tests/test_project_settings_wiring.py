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


def test_one_look_answers_each_question_once_then_the_project_is_read_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flowplan.project import current_settings, find_project_root, has_project_table, one_look

    root = project(tmp_path, monkeypatch, 'alerter = "webhook"')
    with one_look():
        assert current_settings().alerter == "webhook"
        assert has_project_table(find_project_root())
        (root / "pyproject.toml").write_text("[project]\nname = 'x'\n")  # mid-look: unseen
        (root / "sub").mkdir()
        (root / "sub" / ".git").mkdir()
        monkeypatch.chdir(root / "sub")
        with one_look():  # a nested look is the outer one
            assert current_settings().alerter == "webhook"
            assert find_project_root() == root.resolve()
    assert find_project_root() == (root / "sub").resolve()
    monkeypatch.chdir(root)
    assert not has_project_table(find_project_root())
    assert current_settings().alerter == "log"


def test_a_run_start_reads_the_project_once_per_look(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Several parts of a run's start ask about the project (its store's home and artifact
    URL, its settings, whether it runs synchronously, which orchestrator): a run reads the
    pyproject.toml once as it starts, not once per question."""
    import flowplan.project as project_module

    project(tmp_path, monkeypatch, 'alerter = "log"')
    monkeypatch.setenv("FLOWPLAN_HOME", str(tmp_path / "home"))
    reads: list[Path] = []
    has_table = project_module._has_table

    def counted(path: Path) -> bool:
        reads.append(path)
        return has_table(path)

    monkeypatch.setattr(project_module, "_has_table", counted)

    @step
    def one() -> int:
        return 1

    @pipeline
    def pipe() -> None:
        one()

    pipe()
    assert len(reads) == 1, reads
