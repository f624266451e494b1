"""Asynchronous runs, snapshots and triggers: runs that leave the calling process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from flowplan import Client, ExecutionStatus
from flowplan.diagnostics import FlowplanError
from tests.conftest import FIXTURES

S = ExecutionStatus

ASYNC_SCRIPT = textwrap.dedent("""
    import os, time
    from flowplan import pipeline, step

    @step
    def slow() -> int:
        time.sleep(1.0)
        return os.getpid()

    @pipeline(settings={"orchestrator": {"synchronous": False}})
    def my_pipeline():
        slow()

    run = my_pipeline()
    print("RUN", run.id, run.status.value, os.getpid())
""")

CHUNKS = textwrap.dedent("""
    from typing import Optional
    from flowplan import pipeline, step

    @step
    def process_chunk(chunk_id: Optional[str] = None, factor: int = 1) -> dict:
        return {"chunk_id": chunk_id, "factor": factor}

    @pipeline
    def chunk_processing_pipeline():
        process_chunk()

    if __name__ == "__main__":
        snapshot = chunk_processing_pipeline.create_snapshot(name="chunks", description="d")
        print("SNAPSHOT", snapshot.id)
""")


def run_python(cwd: Path, *args: str) -> str:
    proc = subprocess.run(
        [sys.executable, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env=dict(os.environ),
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


@pytest.mark.slow
def test_asynchronous_run_outlives_its_caller(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text(ASYNC_SCRIPT)
    line = next(t for t in run_python(tmp_path, "a.py").splitlines() if t.startswith("RUN "))
    _, run_id, status, caller_pid = line.split()
    assert status in ("initializing", "running")
    run = Client().get_pipeline_run(run_id).wait(timeout=60)
    assert run.status is S.COMPLETED
    assert run.steps["slow"].output.load() != int(caller_pid)


@pytest.mark.slow
def test_wait_returns_when_the_background_process_is_killed(tmp_path: Path) -> None:
    import signal
    import time

    (tmp_path / "a.py").write_text(ASYNC_SCRIPT.replace("time.sleep(1.0)", "time.sleep(60)"))
    line = next(t for t in run_python(tmp_path, "a.py").splitlines() if t.startswith("RUN "))
    run_id, caller_pid = line.split()[1], int(line.split()[3])
    client = Client()
    deadline = time.monotonic() + 60
    while (record := client.store.metadata.get_run(run_id)).status is not S.RUNNING:
        assert time.monotonic() < deadline, record.status
        time.sleep(0.05)
    assert record.pid is not None and record.pid != caller_pid  # the background process
    os.kill(record.pid, signal.SIGKILL)
    run = client.get_pipeline_run(run_id).wait(timeout=30)
    assert run.status is S.FAILED
    assert [w["code"] for w in run.warnings] == ["FP517"]
    assert run.steps["slow"].status is S.STOPPED


@pytest.mark.slow
def test_yaml_stack_setting_makes_a_run_asynchronous(tmp_path: Path) -> None:
    from flowplan import pipeline, step

    @step
    def value() -> int:
        return 5

    @pipeline
    def yaml_async() -> None:
        value()

    config = tmp_path / "run.yaml"
    config.write_text("settings:\n  orchestrator.default:\n    synchronous: false\n")
    run = yaml_async.with_options(config_path=str(config))()
    assert not run.status.is_finished
    assert run.wait(timeout=60).status is S.COMPLETED
    assert run.steps["value"].output.load() == 5


def make_snapshot(tmp_path: Path) -> str:
    (tmp_path / "chunks.py").write_text(CHUNKS)
    out = run_python(tmp_path, "chunks.py")
    return next(t for t in out.splitlines() if t.startswith("SNAPSHOT")).split()[1]


@pytest.mark.slow
def test_trigger_a_snapshot_of_a_script_with_parameters(tmp_path: Path) -> None:
    snapshot_id = make_snapshot(tmp_path)
    client = Client()
    assert [s.name for s in client.list_snapshots()] == ["chunks"]
    config = {"steps": {"process_chunk": {"parameters": {"chunk_id": "c1", "factor": 3}}}}
    run = client.trigger_pipeline(
        snapshot_name_or_id=snapshot_id, run_configuration=config, synchronous=True
    )
    assert run.status is S.COMPLETED, run.warnings
    assert run.steps["process_chunk"].output.load() == {"chunk_id": "c1", "factor": 3}
    by_name = client.trigger_pipeline(pipeline_name_or_id="chunk_processing_pipeline")
    assert by_name.wait(timeout=60).steps["process_chunk"].output.load()["chunk_id"] is None


def test_trigger_refuses_unknown_steps_and_parameters(tmp_path: Path) -> None:
    from flowplan import pipeline, step

    @step
    def one(x: int = 1) -> int:
        return x

    @pipeline
    def small() -> None:
        one()

    small.create_snapshot(name="small")
    client = Client()
    with pytest.raises(FlowplanError) as info:
        client.trigger_pipeline("small", run_configuration={"steps": {"two": {}}})
    assert info.value.code == "FP006"
    with pytest.raises(FlowplanError) as info:
        client.trigger_pipeline(
            "small", run_configuration={"steps": {"one": {"parameters": {"y": 1}}}}
        )
    assert info.value.code == "FP007" and "did you mean `x`" not in (
        info.value.diagnostic.fix or "x"
    )
    with pytest.raises(FlowplanError) as info:
        client.trigger_pipeline("nope")
    assert info.value.code == "FP516"
    assert client.list_pipeline_runs() == []


@pytest.mark.slow
def test_seed_dynamic_fan_out_with_snapshots(tmp_path: Path) -> None:
    script = tmp_path / "dynamic_fanout.py"
    script.write_text((FIXTURES / "seeds" / "dynamic_fanout.py").read_text())
    out = run_python(tmp_path, str(script))
    assert "All chunk processing runs completed!" in out
    assert "Aggregation complete: 4/4 runs successful" in out
    run = Client().list_pipeline_runs(pipeline="fan_out_fan_in_pipeline")[0]
    results = run.steps["aggregate_results"].output.load()
    assert results["summary"] == {"total_runs": 4, "successful_runs": 4, "failed_runs": 0}
    chunk_ids = sorted(r["chunk_id"] for r in results["successful_results"].values())
    assert chunk_ids == ["chunk_1", "chunk_2", "chunk_3", "chunk_4"]
    assert len(Client().list_pipeline_runs(pipeline="chunk_processing_pipeline")) == 4
    json.dumps(results)
