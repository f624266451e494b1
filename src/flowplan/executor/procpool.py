"""The driver's side of process isolation: a pool of reusable worker processes.

Workers are forked by the fork server of :mod:`flowplan.executor.zygote`, which is started
once per driver process, by the first run that needs it, and shared by every run (so is the
pool of idle workers).  A new interpreter importing flowplan takes longer to start than the
rest of a short run before its first step, so the server starts as early as the run knows it
needs one: before the compile when the pipeline's own settings ask for process isolation
(:func:`start_before_compile`), else once the compiled plan says so
(``run.start_workers_early``).
Each worker talks to the driver over its own Unix socket.  A worker that is killed (FAIL_FAST)
or dies is dropped; the next request forks a fresh one in about a millisecond.

Process isolation needs ``fork`` and descriptor passing (Linux, macOS and other POSIX systems).
"""

from __future__ import annotations

import atexit
import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flowplan.compiler.settings import normalise_settings
from flowplan.diagnostics import FlowplanError
from flowplan.env import env_value
from flowplan.executor.worker import refuses_runs
from flowplan.executor.worker_protocol import receive_message, send_message
from flowplan.messages import runtime, settings
from flowplan.project import find_project_root, has_project_table

_ZYGOTE_CODE = "from flowplan.executor.zygote import main; main()"


class WorkerGone(Exception):
    """The worker process ended (killed, crashed, or exited) before it answered."""


class Worker:
    def __init__(self, pid: int, sock: socket.socket) -> None:
        self.pid = pid
        self.sock = sock
        self.killed = False

    def call(self, payload: bytes) -> bytes:
        """Send a request and wait for the answer."""
        try:
            send_message(self.sock, payload)
        except OSError as exc:
            raise WorkerGone(str(exc)) from None
        reply = receive_message(self.sock)
        if reply is None:
            raise WorkerGone("the worker closed its connection")
        return reply

    def idle_and_alive(self) -> bool:
        """True when the worker is waiting for work (not gone, nothing unexpected sent)."""
        try:
            self.sock.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT)
        except BlockingIOError:
            return True
        except OSError:
            return False
        return False  # end of stream (it died while idle), or a stray message

    def discard(self) -> None:
        """Give up on a worker that has gone."""
        self.killed = True
        self.sock.close()

    def kill(self) -> None:
        """Stop the worker (and anything it started) at once."""
        self.killed = True
        for kill, target in ((os.killpg, self.pid), (os.kill, self.pid)):
            try:
                kill(target, signal.SIGKILL)
                break
            except (ProcessLookupError, PermissionError):
                continue
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        self.sock.close()


class ProcessPool:
    """Idle workers ready for the next step, and the fork server that makes new ones."""

    def __init__(self, max_idle: int | None = None) -> None:
        self.max_idle = max_idle or max(8, 2 * (os.cpu_count() or 1))
        self._idle: list[Worker] = []
        self._lock = threading.Lock()
        self._fork_lock = threading.Lock()
        self._zygote: subprocess.Popen[bytes] | None = None
        self._control: socket.socket | None = None

    def start(self) -> None:
        """Start the fork server now (it loads in the background) unless it runs already."""
        with self._fork_lock:
            self._ensure_zygote()

    def acquire(self) -> Worker:
        """An idle worker that is still alive, else a newly forked one."""
        while True:
            with self._lock:
                worker = self._idle.pop() if self._idle else None
            if worker is None:
                return self._fork()
            if worker.idle_and_alive():
                return worker
            worker.discard()

    def release(self, worker: Worker) -> None:
        """Give back a worker after a task; a killed one is closed instead."""
        if not worker.killed:
            with self._lock:
                if len(self._idle) < self.max_idle:
                    self._idle.append(worker)
                    return
        worker.close()

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for worker in idle:
            worker.close()  # a worker exits when its socket closes
        with self._fork_lock:
            self._stop_zygote()

    # -- the fork server -------------------------------------------------------------------
    def _fork(self) -> Worker:
        with self._fork_lock:
            for _ in range(2):  # a fork server that died is replaced once
                self._ensure_zygote()
                try:
                    return self._request_worker()
                except (OSError, WorkerGone):
                    self._stop_zygote()
        raise FlowplanError(
            runtime.worker_process_failed()
        )

    def _request_worker(self) -> Worker:
        assert self._control is not None
        mine, theirs = socket.socketpair()
        try:
            socket.send_fds(self._control, [b"F"], [theirs.fileno()])
        finally:
            theirs.close()
        reply = _read_pid(self._control)
        if reply is None:
            mine.close()
            raise WorkerGone("the fork server ended")
        return Worker(reply, mine)

    def _ensure_zygote(self) -> None:
        if self._zygote is not None and self._zygote.poll() is None:
            return
        self._stop_zygote()
        if not hasattr(os, "fork") or not hasattr(socket, "send_fds"):
            raise FlowplanError(
                settings.process_isolation_unsupported()
            )
        ours, theirs = socket.socketpair()
        env = dict(os.environ)
        package_root = str(Path(__file__).resolve().parents[2])
        env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, env.get("PYTHONPATH")) if p)
        with theirs:
            self._zygote = subprocess.Popen(
                [sys.executable, "-c", _ZYGOTE_CODE, str(theirs.fileno())],
                pass_fds=[theirs.fileno()],
                stdin=subprocess.DEVNULL,
                env=env,
            )
        self._control = ours

    def _stop_zygote(self) -> None:
        if self._control is not None:
            self._control.close()  # the fork server exits when this closes
            self._control = None
        if self._zygote is not None:
            try:
                self._zygote.wait(timeout=2)
            except subprocess.TimeoutExpired:
                self._zygote.kill()
                self._zygote.wait()
            self._zygote = None


def _read_pid(control: socket.socket) -> int | None:
    from flowplan.executor.zygote import PID

    data = b""
    while len(data) < PID.size:
        chunk = control.recv(PID.size - len(data))
        if not chunk:
            return None
        data += chunk
    pid: int = PID.unpack(data)[0]
    return pid


_SHARED: ProcessPool | None = None
_SHARED_LOCK = threading.Lock()


def shared_pool() -> ProcessPool:
    """The pool every run of this process uses (created on first use, closed at exit)."""
    global _SHARED
    with _SHARED_LOCK:
        if _SHARED is None:
            _SHARED = ProcessPool()
        return _SHARED


def start_before_compile(pipeline_settings: Mapping[str, Any]) -> None:
    """Start the shared fork server for a pipeline whose own settings ask for process
    isolation, before its compile (and, in a new process, before the executor loads): the
    server's interpreter starts and imports beside this process's work instead of after it.
    Only where nothing else decides (no Dask address, no ``synchronous: false``, no
    ``[tool.flowplan]`` table nor environment variable that may choose otherwise, fork
    available); otherwise ``run.start_workers_early`` decides after the compile."""
    orchestrator = normalise_settings(pipeline_settings).get("orchestrator")
    if not isinstance(orchestrator, Mapping) or orchestrator.get("isolation") != "process":
        return
    if orchestrator.get("dask_address") or orchestrator.get("synchronous", True) is not True:
        return
    if not hasattr(os, "fork") or not hasattr(socket, "send_fds") or refuses_runs():
        return
    if any(env_value(name) is not None for name in ("ORCHESTRATOR", "SYNCHRONOUS")):
        return
    if has_project_table(find_project_root()):
        return
    with contextlib.suppress(OSError):  # the run reports a server that cannot start
        shared_pool().start()


def close_shared_pool() -> None:
    global _SHARED
    with _SHARED_LOCK:
        pool, _SHARED = _SHARED, None
    if pool is not None:
        pool.close()


def _forget_shared_pool() -> None:
    """In a forked child the parent's pool is not ours to use."""
    global _SHARED
    _SHARED = None


atexit.register(close_shared_pool)
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_shared_pool)
