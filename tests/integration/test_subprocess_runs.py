"""Real pipelines in real subprocesses against a real store."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

PIPELINE = '''
import json
import os
import time

from flowplan import pipeline, step

SCALE = 3


def helper(x: int) -> int:
    return x * SCALE


def unrelated() -> int:
    return 0


@step
def source() -> int:
    """Produce a number."""
    # a comment
    return 2


@step
def scaled(x: int) -> int:
    if os.environ.get("SLOW_STEP") == "1":
        open(os.environ["MARKER"], "w").close()
        time.sleep(60)
    return helper(x)


@step
def report(y: int) -> int:
    return y + 1


@pipeline
def pipe() -> None:
    report(scaled(source()))


run = pipe()
print("STATUSES " + json.dumps({k: v.status.value for k, v in run.steps.items()}))
'''


def run_script(project: Path, extra_env: dict[str, str] | None = None) -> dict[str, str]:
    env = {**os.environ, "FLOWPLAN_HOME": str(project / ".flowplan"), **(extra_env or {})}
    proc = subprocess.run(
        [sys.executable, "pipe.py"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    line = next(t for t in proc.stdout.splitlines() if t.startswith("STATUSES "))
    return json.loads(line.removeprefix("STATUSES "))  # type: ignore[no-any-return]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'demo'\n")
    (tmp_path / "pipe.py").write_text(PIPELINE)
    return tmp_path


def edit(project: Path, old: str, new: str) -> None:
    path = project / "pipe.py"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


ALL_CACHED = {"source": "cached", "scaled": "cached", "report": "cached"}


@pytest.mark.slow
def test_cache_follows_code_not_formatting(project: Path) -> None:
    assert set(run_script(project).values()) == {"completed"}
    assert run_script(project) == ALL_CACHED

    edit(project, "# a comment", "# another comment, and a blank line\n")
    edit(project, '"""Produce a number."""', '"""Produce the number two."""')
    edit(project, "def unrelated() -> int:\n    return 0", "def unrelated() -> int:\n    return 1")
    assert run_script(project) == ALL_CACHED

    edit(project, "    return helper(x)", "    return helper(x)  # formatting only")
    assert run_script(project) == ALL_CACHED

    # same value: the step reruns, but its output has the same content, so `report` is a hit
    edit(project, "    return x * SCALE", "    return x * SCALE + 0")
    assert run_script(project) == {"source": "cached", "scaled": "completed", "report": "cached"}

    edit(project, "    return x * SCALE + 0", "    return x * SCALE + 1")
    assert run_script(project) == {"source": "cached", "scaled": "completed", "report": "completed"}

    edit(project, "SCALE = 3", "SCALE = 4")
    assert run_script(project) == {"source": "cached", "scaled": "completed", "report": "completed"}

    edit(project, "    return y + 1", "    return y + 2")
    assert run_script(project) == {"source": "cached", "scaled": "cached", "report": "completed"}


@pytest.mark.slow
def test_kill_9_mid_run_then_rerun(project: Path) -> None:
    marker = project / "started"
    env = {
        **os.environ,
        "FLOWPLAN_HOME": str(project / ".flowplan"),
        "SLOW_STEP": "1",
        "MARKER": str(marker),
    }
    proc = subprocess.Popen(
        [sys.executable, "pipe.py"],
        cwd=project,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while not marker.exists():
        assert proc.poll() is None and time.monotonic() < deadline
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()

    check = textwrap.dedent("""
        from pathlib import Path
        from flowplan.client import Client
        client = Client()
        runs = client.list_pipeline_runs()
        assert len(runs) == 1, runs
        for run in runs:
            for step in run.steps.values():
                for versions in step.outputs.values():
                    for version in versions:
                        assert Path(version.uri).is_file(), version.uri
                        version.load()
        print(runs[0].status.value, [w["code"] for w in runs[0].warnings])
        print(runs[0].steps["source"].status.value, runs[0].steps["scaled"].status.value)
    """)
    env = {**os.environ, "FLOWPLAN_HOME": str(project / ".flowplan")}
    out = subprocess.run(
        [sys.executable, "-c", check],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    # The killed run is closed: failed, with the unfinished step stopped (FP517).
    assert out.stdout.splitlines() == ["failed ['FP517']", "completed stopped"]

    assert run_script(project) == {"source": "cached", "scaled": "completed", "report": "completed"}
