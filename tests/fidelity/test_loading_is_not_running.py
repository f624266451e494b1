"""Loading a file is not running it (DESIGN decision 20): `flow compile` records no run of
the README example, whose module ends with a pipeline call; `flow run` records exactly one."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

README_EXAMPLE = """
from flowplan import pipeline, step

@step
def load_data() -> dict:
    return {"features": [[1, 2], [3, 4], [5, 6]], "labels": [0, 1, 0]}

@step
def train_model(data: dict) -> None:
    print(f"Trained on {len(data['features'])} points")

@pipeline
def simple_ml_pipeline():
    dataset = load_data()
    train_model(dataset)

simple_ml_pipeline()
load_data()
"""


def flow(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(Path(sys.executable).with_name("flow")), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=os.environ.copy(),
        timeout=120,
    )


def run_count(cwd: Path) -> int:
    from flowplan import Client

    return len(Client().list_pipeline_runs())


@pytest.mark.slow
def test_compile_runs_nothing_and_run_runs_once(tmp_path: Path) -> None:
    (tmp_path / "example.py").write_text(textwrap.dedent(README_EXAMPLE))
    compiled = flow("compile", "example.py:simple_ml_pipeline", cwd=tmp_path)
    assert compiled.returncode == 0, compiled.stderr
    assert "Trained on" not in compiled.stdout
    assert "not running pipeline `simple_ml_pipeline`" in compiled.stderr
    assert run_count(tmp_path) == 0
    ran = flow("run", "example.py:simple_ml_pipeline", cwd=tmp_path)
    assert ran.returncode == 0, ran.stderr
    assert (ran.stdout + ran.stderr).count("Trained on 3 points") == 1
    assert run_count(tmp_path) == 1


USES_ITS_RUN = '''
import sys
from flowplan import pipeline, step

@step
def load() -> int:
    return 1

@pipeline
def training():
    load()

snapshot = training.create_snapshot(name="nightly")
run = training()
print(run.status)  # None while the file is loaded: the rest is not loaded
sys.exit(1)
'''

RAISES = '''
import json
from flowplan import pipeline, step

SETTINGS = json.load(open("settings.json"))

@step
def load() -> int:
    return 1

@pipeline
def training():
    load()
'''


def test_a_file_that_uses_its_runs_result_still_loads(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Module-level runs, snapshots and triggers are not made while the CLI loads a file; code
    tripping over the None they return ends the loading there, with a note, not an error."""
    from click.testing import CliRunner

    from flowplan import Client
    from flowplan.cli import main

    (tmp_path / "uses_its_run.py").write_text(USES_ITS_RUN)
    monkeypatch.chdir(tmp_path)
    compiled = CliRunner().invoke(main, ["compile", "uses_its_run.py:training"])
    assert compiled.exit_code == 0, compiled.output
    assert "load()" in compiled.stdout
    for skipped in ("the snapshot of pipeline `training`", "pipeline `training`"):
        assert f"not running {skipped}" in compiled.stderr
    assert "uses_its_run.py:15: AttributeError" in compiled.stderr
    assert "the rest of the file is not loaded" in compiled.stderr
    assert Client().list_snapshots() == [] and Client().list_pipeline_runs() == []
    ran = CliRunner().invoke(main, ["run", "uses_its_run.py:training"])
    assert ran.exit_code == 0, ran.output
    assert [r.pipeline_name for r in Client().list_pipeline_runs()] == ["training"]


def test_a_trigger_made_while_a_file_is_loaded_is_not_made() -> None:
    """A module-level trigger of a snapshot of the file's own pipeline would otherwise start a
    background process that loads the file, which triggers again, without end.  (A snapshot
    that does not exist: were the trigger made, it would fail, not start a process.)"""
    from flowplan import Client
    from flowplan.loader import not_running

    with not_running():
        assert Client().trigger_pipeline("no-such-snapshot", synchronous=True) is None
    assert Client().list_pipeline_runs() == []


def test_a_file_that_raises_while_loaded_is_fp020_at_its_line(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from flowplan.cli import main

    (tmp_path / "raises_at_load.py").write_text(RAISES)
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "raising.py").write_text(RAISES)
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    for target, shown in (("raises_at_load.py:training", "raises_at_load.py"),
                          ("pkg.raising:training", "raising.py")):
        for command in ("compile", "run", "dag"):
            result = CliRunner().invoke(main, [command, target])
            assert result.exit_code == 1, result.output
            assert f"{shown}:5: FP020 loading " in result.stderr
            assert "raised FileNotFoundError" in result.stderr
            assert "Traceback" not in result.output + result.stderr
    (tmp_path / "settings.json").write_text("{}")
    assert CliRunner().invoke(main, ["compile", "raises_at_load.py:training"]).exit_code == 0
