"""A process-isolation worker dies with its driver: kill -9 of the process running a pipeline
never leaves a busy worker behind (re-parented to init, running a hung step forever)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

SCRIPT = """
import os, sys, time
from pathlib import Path
from flowplan import pipeline, step

@step(enable_cache=False)
def hangs(folder: str) -> None:
    Path(folder, "worker.pid").write_text(str(os.getpid()))
    time.sleep(300)

@pipeline(settings={"orchestrator": {"isolation": "process"}})
def hanging(folder: str) -> None:
    hangs(folder=folder)

hanging(folder=sys.argv[1])
"""


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().split()[2] != "Z"
    except OSError:
        return True


@pytest.mark.slow
def test_a_busy_worker_dies_with_its_killed_driver(tmp_path: Path) -> None:
    script = tmp_path / "hanging.py"
    script.write_text(textwrap.dedent(SCRIPT))
    driver = subprocess.Popen(
        [sys.executable, str(script), str(tmp_path)],
        cwd=tmp_path,
        env=dict(os.environ),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    pid_file = tmp_path / "worker.pid"
    try:
        deadline = time.monotonic() + 60
        while not pid_file.exists() or not pid_file.read_text():
            assert time.monotonic() < deadline, "the step never started"
            assert driver.poll() is None, "the driver ended early"
            time.sleep(0.05)
        worker = int(pid_file.read_text())
        assert worker != driver.pid and alive(worker)
        driver.send_signal(signal.SIGKILL)
        driver.wait()
        deadline = time.monotonic() + 10
        while alive(worker):
            assert time.monotonic() < deadline, f"worker {worker} outlived its killed driver"
            time.sleep(0.05)
    finally:
        if driver.poll() is None:
            driver.kill()
