"""Seed 001's 8-step example under each execution mode and both isolations.

::
             ┌─► step_2 ──► step_5 ─┐
    step_1 ──┼─► step_3 ──► step_6 ─┼──► step_8
             └─► step_4 ──► step_7 ─┘

Steps 2, 3 and 4 meet at a rendezvous (each waits until all three have started), which
proves they run at the same time; then step 2 fails.  Steps 3 and 4 finish only once the
driver has recorded that failure, so the documented outcome does not depend on timing.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest

from flowplan import Client, ExecutionMode, RunFailedError, get_step_context, pipeline, step
from flowplan.client import PipelineRun

M = ExecutionMode
BRANCHES = ("step_2", "step_3", "step_4")
TIMEOUT = 10.0


def wait_for(condition: object, what: str) -> None:
    deadline = time.monotonic() + TIMEOUT
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise TimeoutError(what)
        time.sleep(0.01)


@step(enable_cache=False)
def first() -> int:
    return 1


@step(enable_cache=False)
def branch(x: int, sync_dir: str) -> int:
    context = get_step_context()
    me = context.step_run.name
    folder = Path(sync_dir)
    (folder / f"{me}.pid").write_text(str(os.getpid()))
    # written whole, then renamed: a sibling that sees the file and fails at once (FAIL_FAST)
    # may kill this step right after, and must not leave an empty file behind
    (folder / f".{me}.started").write_text(str(time.time()))
    (folder / f".{me}.started").replace(folder / f"{me}.started")
    wait_for(lambda: all((folder / f"{b}.started").exists() for b in BRANCHES), "rendezvous")
    if me == "step_2":
        raise RuntimeError("step 2 fails")

    client = Client(os.environ["FLOWPLAN_HOME"])  # a stopped thread may outlive the test

    def step_2_failed() -> bool:
        run = client.get_pipeline_run(context.pipeline_run.id)
        return run.steps["step_2"].status.value == "failed"

    wait_for(step_2_failed, "step_2's failure to be recorded")
    (folder / f"{me}.ended").write_text(str(time.time()))
    return x


@step(enable_cache=False)
def middle(x: int) -> int:
    return x + 1


@step(enable_cache=False)
def last(a: int, b: int, c: int) -> int:
    return a + b + c


@pipeline
def eight_steps(sync_dir: str) -> None:
    one = first(id="step_1")
    twos = [branch(one, sync_dir, id=name) for name in BRANCHES]
    fives = [middle(x, id=f"step_{i}") for i, x in zip((5, 6, 7), twos, strict=True)]
    last(*fives, id="step_8")


EXPECTED = {
    M.FAIL_FAST: ["completed", "failed", "stopped", "stopped"] + ["skipped"] * 4,
    M.STOP_ON_FAILURE: ["completed", "failed", "completed", "completed"] + ["skipped"] * 4,
    M.CONTINUE_ON_FAILURE: [
        "completed",
        "failed",
        "completed",
        "completed",
        "skipped",
        "completed",
        "completed",
        "skipped",
    ],
}


def run_eight(mode: ExecutionMode, isolation: str, sync_dir: Path) -> PipelineRun:
    configured = eight_steps.with_options(
        execution_mode=mode, settings={"orchestrator": {"isolation": isolation, "max_workers": 4}}
    )
    with pytest.raises(RunFailedError) as info:
        configured(sync_dir=str(sync_dir))
    return info.value.run


def statuses(run: PipelineRun) -> list[str]:
    return [run.steps[f"step_{i}"].status.value for i in range(1, 9)]


@pytest.mark.parametrize("isolation", ["thread", "process"])
@pytest.mark.parametrize("mode", list(EXPECTED))
def test_the_documented_statuses(mode: ExecutionMode, isolation: str, tmp_path: Path) -> None:
    run = run_eight(mode, isolation, tmp_path)
    assert statuses(run) == EXPECTED[mode]
    assert run.status.value == "failed"
    starts = [float((tmp_path / f"{b}.started").read_text()) for b in BRANCHES]
    assert max(starts) - min(starts) < TIMEOUT  # all three met at the rendezvous
    pids = {(tmp_path / f"{b}.pid").read_text() for b in BRANCHES}
    if isolation == "process":
        assert len(pids) == 3 and str(os.getpid()) not in pids
    else:
        assert pids == {str(os.getpid())}
    if mode is M.FAIL_FAST:
        assert "FAIL_FAST" in (run.steps["step_3"].error or "")


def test_fail_fast_kills_the_worker_processes_it_stops(tmp_path: Path) -> None:
    sync = tmp_path / "first"
    sync.mkdir()
    started = time.monotonic()
    run = run_eight(M.FAIL_FAST, "process", sync)
    assert time.monotonic() - started < TIMEOUT / 2
    for name in ("step_3", "step_4"):
        pid = int((sync / f"{name}.pid").read_text())
        wait_for(lambda pid=pid: not _alive(pid), f"{name}'s worker to die")
        assert not (sync / f"{name}.ended").exists()
    assert statuses(run)[2:4] == ["stopped", "stopped"]
    # The pool replaces killed workers: the next run has all it needs.
    (tmp_path / "second").mkdir()
    again = run_eight(M.CONTINUE_ON_FAILURE, "process", tmp_path / "second")
    assert statuses(again) == EXPECTED[M.CONTINUE_ON_FAILURE]


@pytest.mark.parametrize("isolation", ["thread", "process"])
def test_fail_fast_stops_the_running_steps_before_it_records_the_failure(
    isolation: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Steps 3 and 4 wait to see step 2's failure recorded: FAIL_FAST must stop them before
    that record is committed (else one may see it, and end, before its stop arrives)."""
    from flowplan.executor import backends
    from flowplan.store.run_writer import RunWriter

    events: list[str] = []
    for backend in (backends.ThreadBackend, backends.ProcessBackend):

        def stop(self: object, ids: object, original: Any = backend.stop) -> None:
            events.append("stop " + ",".join(sorted(ids)))  # type: ignore[call-overload]
            original(self, ids)

        monkeypatch.setattr(backend, "stop", stop)
    commit = RunWriter._commit

    def committing(self: RunWriter, run_end: Any) -> None:
        with self._lock:
            failed = any(name == "end" and ops[0] == "failed" for name, ops in self._pending)
        if failed:
            events.append("commit failure")
        commit(self, run_end)

    monkeypatch.setattr(RunWriter, "_commit", committing)
    run = run_eight(M.FAIL_FAST, isolation, tmp_path)
    assert statuses(run) == EXPECTED[M.FAIL_FAST]
    assert events.index("stop step_3,step_4") < events.index("commit failure")
    assert not (tmp_path / "step_3.ended").exists() and not (tmp_path / "step_4.ended").exists()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie is dead too
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().split()[2] != "Z"
    except OSError:
        return True


SCRIPT = """
    import os
    from pydantic import BaseModel
    from flowplan import pipeline, step

    print("script body runs in", os.getpid(), flush=True)

    class Report(BaseModel):  # a type of the script's __main__, stored as JSON
        pid: int

    @step(enable_cache=False)
    def where() -> Report:
        print("step output from the worker")
        return Report(pid=os.getpid())

    @step(enable_cache=False)
    def check(report: Report) -> int:
        assert isinstance(report, Report), type(report)
        return report.pid

    @pipeline(settings={"orchestrator": {"isolation": "process"}})
    def unguarded():
        check(where())

    run = unguarded()
    step_pid = run.steps["check"].output.load()
    assert step_pid != os.getpid(), "the step ran in the driver"
    assert run.steps["where"].output.materializer.endswith("JsonMaterializer")
    print("logs:", run.steps["where"].logs["stdout"].strip())
    print("status:", run.status.value)
"""


@pytest.mark.slow
def test_a_script_without_main_guard_is_never_rerun_by_workers(tmp_path: Path) -> None:
    script = tmp_path / "unguarded.py"
    script.write_text(textwrap.dedent(SCRIPT))
    env = {**os.environ, "FLOWPLAN_HOME": str(tmp_path / "home")}
    done = subprocess.run(
        [sys.executable, str(script)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("script body runs in") == 1
    assert "logs: step output from the worker" in done.stdout
    assert "status: completed" in done.stdout
