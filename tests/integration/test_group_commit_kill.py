"""A run killed (``kill -9``) while a group of its step records is still uncommitted.

The run writer's window is widened in the child so that the kill lands inside a group: the
steps after the last commit exist only in the run's journal.  Nothing committed may point at
a missing or partial artifact, the next reader replays what the journal holds (skipping a
step whose artifact file was damaged meanwhile), and a rerun recomputes only what was lost.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from flowplan.store.journal import STEP_ROWS, read_records

CHAIN = """
import json, os, sys, time
import flowplan.store.run_writer as run_writer
from flowplan import Client, get_step_context, pipeline, step

run_writer.BATCH_WINDOW = 3600.0  # no group closes by time: the kill lands inside one

@step
def make(i: int) -> bytes:
    return f"value {i}".encode() * 100

@step
def grow(data: bytes, i: int) -> bytes:
    if i == 3:  # reading the store commits this process's pending group first
        run = Client().get_pipeline_run(get_step_context().pipeline_run.id)
        print("SEEN", sorted(run.steps), flush=True)
    if i == 6 and os.environ.get("SLOW") == "1":
        open(os.environ["MARKER"], "w").close()
        time.sleep(60)
    return data + f" then {i}".encode()

@pipeline
def chain() -> None:
    data = make(0, id="s0")
    for i in range(1, 9):
        data = grow(data, i, id=f"s{i}")

run = chain()
print("STATUSES " + json.dumps({k: v.status.value for k, v in run.steps.items()}))
"""


def _env(project: Path, **extra: str) -> dict[str, str]:
    return {**os.environ, "FLOWPLAN_HOME": str(project / ".flowplan"), **extra}


def _committed_artifacts(db: Path) -> list[tuple[str, str, str]]:
    """``(producing step, uri, content hash)`` of every committed artifact, read without
    flowplan (so no journal is replayed)."""
    with sqlite3.connect(db) as conn:
        return conn.execute(
            "SELECT s.invocation_id, a.uri, a.content_hash FROM artifacts a"
            " JOIN step_runs s ON s.id = a.step_run_id"
        ).fetchall()


def _intact(uri: str, content_hash: str) -> bool:
    path = Path(uri)
    return path.is_file() and hashlib.sha256(path.read_bytes()).hexdigest() == content_hash


@pytest.mark.slow
def test_kill_inside_a_group_leaves_no_committed_row_without_its_artifact(
    tmp_path: Path,
) -> None:
    (tmp_path / "chain.py").write_text(CHAIN)
    marker = tmp_path / "marker"
    proc = subprocess.Popen(
        [sys.executable, "chain.py"],
        cwd=tmp_path,
        env=_env(tmp_path, SLOW="1", MARKER=str(marker)),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while not marker.exists():
        assert proc.poll() is None and time.monotonic() < deadline
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()

    home = tmp_path / ".flowplan"
    committed = _committed_artifacts(home / "flowplan.db")
    # s0..s2 were committed when s3 read the store; s3..s6 are only in the journal.
    assert sorted(step for step, _, _ in committed) == ["s0", "s1", "s2"]
    assert all(_intact(uri, digest) for _, uri, digest in committed)
    journal = next((home / "journal").iterdir())
    records = read_records(journal.read_bytes())
    assert len(records) > 4

    # A power cut could have lost s4's file, which was never synced: damage it.
    ops = [op for record in records for op in record]
    assert {params[2] for name, params in ops if name in STEP_ROWS} >= {"s3", "s4", "s5", "s6"}
    s4_file = next(
        Path(params[3])
        for name, params in ops
        if name == "artifact" and params[1] == "chain::s4::output"
    )
    s4_file.write_bytes(s4_file.read_bytes()[:10])

    check = """
import hashlib, json
from pathlib import Path
from flowplan.client import Client
run = Client().list_pipeline_runs()[0]
bad = [
    (name, v.uri)
    for name, step in run.steps.items()
    for versions in step.outputs.values()
    for v in versions
    if not Path(v.uri).is_file()
    or hashlib.sha256(Path(v.uri).read_bytes()).hexdigest() != v.content_hash
]
print(json.dumps([run.status.value, {k: s.status.value for k, s in run.steps.items()}, bad]))
"""
    out = subprocess.run(
        [sys.executable, "-c", check],
        cwd=tmp_path,
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    status, steps, bad = json.loads(out.stdout.splitlines()[-1])
    assert bad == []
    assert status == "failed"
    assert steps == {
        "s0": "completed",
        "s1": "completed",
        "s2": "completed",
        "s3": "completed",  # replayed from the journal
        "s4": "stopped",  # its artifact was damaged: its end is not replayed
        "s5": "completed",  # its own artifact is intact (only the link to s4's is lost)
        "s6": "stopped",  # killed while it ran
    }
    assert not journal.exists()

    rerun = subprocess.run(
        [sys.executable, "chain.py"],
        cwd=tmp_path,
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert rerun.returncode == 0, rerun.stderr
    line = next(t for t in rerun.stdout.splitlines() if t.startswith("STATUSES "))
    statuses = json.loads(line.removeprefix("STATUSES "))
    # s4 runs again and restores its file; s5's key (s4's content) is unchanged: cached.
    expected = ["cached"] * 4 + ["completed", "cached"] + ["completed"] * 3
    assert [statuses[f"s{i}"] for i in range(9)] == expected
