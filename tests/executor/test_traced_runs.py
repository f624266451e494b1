"""Runs under a tracer or profiler (pdb, coverage, cProfile) finish like any other run.

Each script runs in its own process: a run that spins under a tracer would otherwise hang
the test session instead of failing one test.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

SCRIPT = textwrap.dedent("""
    import json
    import sys
    import time

    from flowplan import pipeline, step
    from flowplan.enums import ExecutionMode


    @step
    def one() -> int:
        return 1


    @step
    def add(x: int) -> int:
        return x + 1


    @step
    def fails() -> int:
        time.sleep(0.2)
        raise ValueError("boom")


    @step
    def slow() -> int:
        for _ in range(3000):  # stopped by FAIL_FAST between two sleeps
            time.sleep(0.01)
        return 0


    @pipeline(enable_cache=False)
    def chain() -> None:
        add(add(one()))


    @pipeline(enable_cache=False, execution_mode=ExecutionMode.FAIL_FAST)
    def fail_fast() -> None:
        fails()
        slow()


    calls = 0


    def count(frame, event, arg):
        global calls
        calls += 1
        return None


    getattr(sys, MODE)(count)
    statuses = {}
    statuses["chain"] = {k: v.status.value for k, v in chain().steps.items()}
    try:
        fail_fast()
    except Exception as exc:
        statuses["fail_fast"] = {k: v.status.value for k, v in exc.run.steps.items()}
    statuses["chain_again"] = {k: v.status.value for k, v in chain().steps.items()}
    getattr(sys, MODE)(None)
    print("STATUSES " + json.dumps(statuses), "CALLS", calls > 0)
""")


@pytest.mark.parametrize("mode", ["settrace", "setprofile"])
def test_a_run_under_a_tracer_finishes(tmp_path: Path, mode: str) -> None:
    script = tmp_path / "traced.py"
    script.write_text(f"MODE = {mode!r}\n" + SCRIPT)
    env = {**os.environ, "FLOWPLAN_HOME": str(tmp_path / ".flowplan"), "FLOWPLAN_QUIET": "1"}
    proc = subprocess.run(
        [sys.executable, str(script)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    line = next(t for t in proc.stdout.splitlines() if t.startswith("STATUSES "))
    payload, calls = line.removeprefix("STATUSES ").split(" CALLS ")
    statuses = json.loads(payload)
    assert calls == "True"
    assert statuses["chain"] == {"one": "completed", "add": "completed", "add_2": "completed"}
    assert statuses["fail_fast"] == {"fails": "failed", "slow": "stopped"}
    assert statuses["chain_again"] == statuses["chain"]
