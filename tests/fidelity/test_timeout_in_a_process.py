"""A hung step in a real ``python script.py`` process (the seeds' style: a pipeline called at
module level) no longer hangs the run -- in either isolation, whether the step is stuck in a
long ``time.sleep`` or in a read from a socket nobody writes to (one C call that never
returns): at its deadline the step fails with FP522, the pipeline call returns within about a
second of it, the steps that do not need it still run, and the process ends at once (a thread
left blocked in the call does not keep it alive)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

TIMEOUT = 1.0
SLACK = 1.5  # seconds past the deadline a loaded machine may take to return
EXIT_SLACK = 10.0  # seconds a loaded machine may take to end the process after that

SCRIPT = textwrap.dedent("""
    import json, socket, sys, time
    from pathlib import Path
    from flowplan import RunFailedError, pipeline, step

    @step(enable_cache=False, timeout=1)
    def hangs(kind: str) -> int:
        Path("hangs.started").write_text(repr(time.time()))
        if kind == "sleep":
            time.sleep(3600)
        else:
            reader, writer = socket.socketpair()
            reader.recv(1)
        Path("hangs.late").write_text("ran past its deadline")
        return 1

    @step(enable_cache=False)
    def independent() -> int:
        return 2

    @pipeline(settings={"orchestrator": {"isolation": sys.argv[1]}})
    def stuck():
        hangs(sys.argv[2])
        independent()

    try:
        run = stuck()
    except RunFailedError as exc:
        run = exc.run
    returned = time.time()
    steps = {i: [s.status.value, s.error or ""] for i, s in run.steps.items()}
    print(json.dumps({"returned": returned, "steps": steps}), flush=True)
""")


@pytest.mark.slow
@pytest.mark.parametrize("hang", ["sleep", "socket"])
@pytest.mark.parametrize("isolation", ["thread", "process"])
def test_a_hung_step_times_out_at_its_deadline_and_the_process_ends(
    isolation: str, hang: str, tmp_path: Path
) -> None:
    script = tmp_path / "stuck_flow.py"
    script.write_text(SCRIPT)
    done = subprocess.run(
        [sys.executable, str(script), isolation, hang], cwd=tmp_path, env=dict(os.environ),
        capture_output=True, text=True, timeout=120,
    )
    ended = time.time()
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    steps = report["steps"]
    assert steps["hangs"][0] == "failed" and "FP522" in steps["hangs"][1]
    assert steps["independent"] == ["completed", ""]
    started = float((tmp_path / "hangs.started").read_text())
    # (a worker process counts the deadline from when it is handed the step, a little
    # before the step's own first line)
    assert TIMEOUT - 0.5 < report["returned"] - started < TIMEOUT + SLACK
    # exits without waiting for the thread (stuck for an hour): the bound leaves room for a
    # loaded machine's interpreter and worker-pool shutdown
    assert ended - report["returned"] < EXIT_SLACK
    assert not (tmp_path / "hangs.late").exists()
