"""A hung step in a real ``python script.py`` process (the seeds' style: a pipeline called at
module level) no longer hangs the run: past its timeout the step fails with FP522, the steps
that do not need it still run, and the process ends -- in either isolation."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

SCRIPT = textwrap.dedent("""
    import json, sys, time
    from flowplan import RunFailedError, pipeline, step

    @step(enable_cache=False, timeout=1)
    def hangs() -> int:
        time.sleep(3600)
        return 1

    @step(enable_cache=False)
    def independent() -> int:
        return 2

    @pipeline(settings={"orchestrator": {"isolation": sys.argv[1]}})
    def stuck():
        hangs()
        independent()

    try:
        run = stuck()
    except RunFailedError as exc:
        run = exc.run
    print(json.dumps({i: [s.status.value, s.error or ""] for i, s in run.steps.items()}))
""")


@pytest.mark.slow
@pytest.mark.parametrize("isolation", ["thread", "process"])
def test_a_hung_step_times_out_and_the_process_ends(isolation: str, tmp_path: Path) -> None:
    script = tmp_path / "stuck_flow.py"
    script.write_text(SCRIPT)
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, str(script), isolation], cwd=tmp_path, env=dict(os.environ),
        capture_output=True, text=True, timeout=120,
    )
    assert time.monotonic() - started < 100
    assert done.returncode == 0, done.stderr
    steps = json.loads(done.stdout.strip().splitlines()[-1])
    assert steps["hangs"][0] == "failed" and "FP522" in steps["hangs"][1]
    assert steps["independent"] == ["completed", ""]
