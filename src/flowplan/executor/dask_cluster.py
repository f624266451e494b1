"""A ``distributed.LocalCluster`` for one run, kept in a helper process.

A LocalCluster's worker processes are started by multiprocessing's *spawn*, which runs the
parent's ``__main__`` file again in each of them: the user's script would run once more in
every worker (an unguarded one fails to start them at all).  So the cluster lives in a helper
started with ``python -c``, which has no ``__main__`` file, with the driver's working
directory, environment and import path.  The helper reports the scheduler's address on a
pipe of its own, keeps the cluster until its standard input closes -- when the run ends, or
the driver dies -- and then closes it.  A run that stopped steps under FAIL_FAST kills the
helper's process group instead, which ends the steps still running (a hard stop, as process
isolation does).  What steps print reaches the driver's standard output, as with the local
orchestrator; the cluster's own log is kept in a temporary file, shown if it fails to start.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO

from flowplan.diagnostics import FlowplanError
from flowplan.messages import runtime

START_TIMEOUT = 120.0  # seconds for the helper to report its scheduler
CLOSE_TIMEOUT = 15.0  # seconds for a graceful close before the helper is killed
HELPER = "from flowplan.executor.dask_cluster import serve; serve()"


class LocalDaskCluster:
    """The driver's handle on the helper process and its cluster."""

    def __init__(self, process: subprocess.Popen[bytes], log: IO[str]) -> None:
        self.process = process
        self.log = log
        self.address = ""
        self.hard_stop = False  # set when steps were stopped: kill rather than close

    def wait_for_address(self, pipe: int) -> str:
        """Read the scheduler's address from ``pipe`` (``FP502`` if none comes)."""
        self.address = read_line(pipe, START_TIMEOUT)
        if not self.address:
            self.kill()
            raise FlowplanError(
                runtime.dask_cluster_failed(self._log_tail())
            )
        return self.address

    def close(self) -> None:
        """Close the cluster (kill it when ``hard_stop`` is set, or when it does not close)."""
        if self.hard_stop:
            self.kill()
        else:
            with contextlib.suppress(OSError):
                if self.process.stdin is not None:
                    self.process.stdin.close()
            try:
                self.process.wait(timeout=CLOSE_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.kill()
        self.log.close()

    def kill(self) -> None:
        """End the helper and every worker process it started, at once."""
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def _log_tail(self) -> str:
        self.log.seek(0)
        lines = [line for line in self.log.read().splitlines() if line.strip()]
        return " | ".join(lines[-5:])


@contextmanager
def local_cluster(n_workers: int, threads: int = 1) -> Iterator[LocalDaskCluster]:
    """Start a LocalCluster of ``n_workers`` worker processes (``threads`` each); yield its
    handle (``.address``) and close it when the block ends."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
    log = tempfile.TemporaryFile("w+", prefix="flowplan-dask-")  # noqa: SIM115 (closed by .close)
    reader, writer = os.pipe()
    try:
        process = subprocess.Popen(
            [sys.executable, "-c", HELPER, str(n_workers), str(threads), str(writer)],
            stdin=subprocess.PIPE,
            stderr=log,
            env=env,
            pass_fds=[writer],
            start_new_session=True,  # its own process group, so a hard stop reaches the workers
        )
    except BaseException:
        os.close(reader)
        log.close()
        raise
    finally:
        os.close(writer)
    cluster = LocalDaskCluster(process, log)
    try:
        cluster.wait_for_address(reader)
        yield cluster
    finally:
        os.close(reader)
        cluster.close()


def read_line(fd: int, timeout: float) -> str:
    """One line from a pipe, without its newline; empty at end of file or after ``timeout``."""
    data = b""
    deadline = time.monotonic() + timeout
    while not data.endswith(b"\n"):
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            return ""
        chunk = os.read(fd, 4096)
        if not chunk:
            return ""
        data += chunk
    return data.decode().strip()


def serve() -> None:
    """The helper: run a LocalCluster until standard input closes.

    Arguments: the number of worker processes, of threads in each, and the pipe to write the
    scheduler's address to."""
    from distributed import LocalCluster

    n_workers, threads, address_pipe = (int(arg) for arg in sys.argv[1:4])
    cluster = LocalCluster(
        n_workers=n_workers,
        threads_per_worker=threads,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
    )
    try:
        os.write(address_pipe, f"{cluster.scheduler_address}\n".encode())
        os.close(address_pipe)
        sys.stdin.read()
    finally:
        cluster.close()
