"""Without a scheduler address the Dask orchestrator starts a LocalCluster for the run and
closes it after -- also for a script that calls its pipeline at top level, unguarded, which
the cluster's worker processes must never run again."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from flowplan import ExecutionMode, RunFailedError, pipeline, step
from tests.dask.helpers import dies

pytest.importorskip("distributed", reason="the Dask orchestrator needs flowplan[dask]")

SCRIPT = """
    import os
    from pydantic import BaseModel
    from flowplan import pipeline, step

    print("script body runs in", os.getpid(), flush=True)

    class Where(BaseModel):  # a type of the script's __main__
        pid: int

    @step(enable_cache=False)
    def where(i: int) -> Where:
        import time
        print("." * 100_000)  # more than a pipe holds: the workers' output must flow
        time.sleep(0.3)
        return Where(pid=os.getpid())

    @step(enable_cache=False)
    def pids(found: list[Where]) -> list[int]:
        return sorted({w.pid for w in found})

    @pipeline(settings={"orchestrator": {"max_workers": 2}})
    def unguarded():
        pids([where(i) for i in range(4)])

    run = unguarded()
    print("status:", run.status.value)
    print("workers:", *run.steps["pids"].output.load())
    print("materializer:", run.steps["where"].output.materializer)
    print("logged:", len(run.steps["where"].logs["stdout"]))
"""


@pytest.mark.slow
def test_an_unguarded_script_runs_on_its_own_cluster(tmp_path: Path) -> None:
    script = tmp_path / "unguarded.py"
    script.write_text(textwrap.dedent(SCRIPT))
    env = {**os.environ, "FLOWPLAN_HOME": str(tmp_path / "home"), "FLOWPLAN_ORCHESTRATOR": "dask"}
    done = subprocess.run(
        [sys.executable, str(script)], cwd=tmp_path, env=env, capture_output=True, text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("script body runs in") == 1
    assert "status: completed" in done.stdout
    assert "JsonMaterializer" in done.stdout  # the __main__ type is known to the workers
    assert "logged: 100001" in done.stdout  # captured in full, and shown (interleaved):
    assert done.stdout.count(".") >= 4 * 100_000
    line = next(x for x in done.stdout.splitlines() if x.startswith("workers:"))
    workers = [int(p) for p in line.split()[1:]]
    assert len(workers) == 2 and os.getpid() not in workers
    for pid in workers:  # the run's cluster is closed with it
        assert dies(pid)


@step(enable_cache=False)
def sleeper(marker: str) -> None:
    Path(marker).write_text(str(os.getpid()))
    time.sleep(60)


@step(enable_cache=False)
def failing(marker: str) -> None:
    deadline = time.monotonic() + 30
    while not Path(marker).exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    raise RuntimeError("fails while its sibling sleeps")


@pipeline(execution_mode=ExecutionMode.FAIL_FAST, settings={"orchestrator": {"max_workers": 2}})
def fail_fast(marker: str) -> None:
    sleeper(marker)
    failing(marker)


def test_fail_fast_ends_the_steps_on_its_own_cluster(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FLOWPLAN_ORCHESTRATOR", "dask")
    marker = tmp_path / "sleeper.pid"
    started = time.monotonic()
    with pytest.raises(RunFailedError) as info:
        fail_fast(marker=str(marker))
    assert time.monotonic() - started < 30  # long before the sleeper would have finished
    run = info.value.run
    assert run.steps["failing"].status.value == "failed"
    assert run.steps["sleeper"].status.value == "stopped"
    assert dies(int(marker.read_text()))  # its worker process is gone
