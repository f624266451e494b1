"""Process isolation: what crosses to a worker process and back, and what goes wrong."""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from pathlib import Path

import pytest

from flowplan import RunFailedError, get_step_context, pipeline, step

PROCESS = {"orchestrator": {"isolation": "process"}}


@step(enable_cache=False)
def chatty() -> dict[str, str]:
    print("to stdout")
    print("to stderr", file=sys.stderr)
    return {
        "pid": str(os.getpid()),
        "cwd": os.getcwd(),
        "marker": os.environ.get("FP_TEST_MARKER", ""),
        "step": get_step_context().step_run.name,
    }


def test_logs_context_environment_and_directory_reach_the_worker(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    @pipeline(settings=PROCESS)
    def talk() -> None:
        chatty(id="speaker")

    for marker in ("first", "second"):  # a reused worker takes on the current environment
        monkeypatch.setenv("FP_TEST_MARKER", marker)
        monkeypatch.chdir(tmp_path)
        step_run = talk().steps["speaker"]
        seen = step_run.output.load()
        assert seen["pid"] != str(os.getpid())
        assert seen == {**seen, "cwd": str(tmp_path), "marker": marker, "step": "speaker"}
        assert step_run.logs == {"stdout": "to stdout\n", "stderr": "to stderr\n"}


@step(enable_cache=False)
def crash() -> None:
    os._exit(3)


@step(enable_cache=False)
def fine() -> int:
    return 1


def test_a_worker_that_dies_fails_its_step_and_is_replaced() -> None:
    @pipeline(settings=PROCESS)
    def crashing() -> None:
        crash()

    with pytest.raises(RunFailedError) as info:
        crashing()
    error = info.value.run.steps["crash"].error or ""
    assert "FP502" in error and "worker process exited before the step finished" in error

    @pipeline(settings=PROCESS)
    def afterwards() -> None:
        fine()

    assert afterwards().steps["fine"].output.load() == 1


def test_a_step_that_cannot_be_pickled_fails_with_a_clear_error() -> None:
    lock = threading.Lock()

    @step(enable_cache=False)
    def holds_a_lock() -> int:
        with lock:
            return 1

    @pipeline(settings=PROCESS)
    def unpicklable() -> None:
        holds_a_lock()

    with pytest.raises(RunFailedError) as info:
        unpicklable()
    error = info.value.run.steps["holds_a_lock"].error or ""
    assert "cannot be sent to a worker process" in error and "lock" in error


def test_an_idle_worker_that_was_killed_is_not_handed_out() -> None:
    @pipeline(settings=PROCESS)
    def once() -> None:
        chatty(id="speaker")

    first = int(once().steps["speaker"].output.load()["pid"])
    os.kill(first, signal.SIGKILL)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and Path(f"/proc/{first}").exists():
        time.sleep(0.01)
    run = once()
    assert run.status.value == "completed"
    assert int(run.steps["speaker"].output.load()["pid"]) != first


@step(enable_cache=False)
def worker_state() -> dict[str, bool]:
    from flowplan.executor import zygote

    return {
        "sqlite3": "sqlite3" in sys.modules,
        "database": "flowplan.store.db" in sys.modules,
        "libc": zygote._libc is not None,
    }


def test_a_worker_opens_no_database_and_its_fork_server_loaded_the_c_library() -> None:
    """A worker writes artifacts, never run metadata: neither it nor the fork server it comes
    from loads sqlite3 or opens the store's database; the C library a worker needs (to die
    with the server, on Linux) is loaded once by the server."""
    from flowplan.executor.procpool import close_shared_pool

    close_shared_pool()  # a fresh fork server and worker, whatever earlier tests ran

    @pipeline(settings=PROCESS)
    def look() -> None:
        worker_state()

    seen = look().steps["worker_state"].output.load()
    assert seen == {"sqlite3": False, "database": False, "libc": sys.platform.startswith("linux")}
