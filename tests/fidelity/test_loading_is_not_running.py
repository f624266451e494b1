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
