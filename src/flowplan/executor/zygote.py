"""The fork server of process isolation (its own process; never imports the user's script).

The driver starts it once, as ``python -c 'from flowplan.executor.zygote import main; main()'
FD``, where FD is a Unix socket to the driver.  It imports flowplan's run-time modules once,
then waits.  For each request -- one byte carrying one socket descriptor -- it forks: the
child becomes a worker serving that socket, and the server answers with the child's pid.

Forking is safe here because this process never starts a thread; a worker is ready in about
a millisecond instead of the few hundred a fresh interpreter needs.  The server ignores
SIGINT (a Ctrl-C in the terminal is the driver's business) and SIGCHLD (so workers are
reaped by the kernel); it exits when the driver's end of the socket closes, and its workers
die with it.
"""

from __future__ import annotations

import os
import signal
import socket
import struct
import sys
from typing import Any

PID = struct.Struct("!q")
PRELOAD = (
    "flowplan.executor.worker",
    "flowplan.executor.worker_protocol",
    "flowplan.executor.runner",
    "flowplan.store.local",
    "flowplan.store.materializers",
    "flowplan.store.jsoncodec",
    "flowplan.project",
    "cloudpickle",
)
_libc: Any = None  # the C library, loaded here once (Linux) for every worker's prctl


def main() -> None:
    global _libc
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    control = socket.socket(fileno=int(sys.argv[1]))
    import gc
    import importlib

    gc.disable()  # what loads here lives as long as the server: nothing for the collector
    from flowplan.lazy import import_cloudpickle

    import_cloudpickle()  # (and uuid: without module platform, which no worker needs)
    for name in PRELOAD:
        importlib.import_module(name)
    from flowplan.store.durable_files import libc

    _libc = libc()  # (here, not in each worker: some 3 ms a worker)
    gc.freeze()  # workers never walk (nor copy, by touching them) the objects loaded here
    gc.enable()
    serve_forks(control)


def serve_forks(control: socket.socket) -> None:
    while True:
        try:
            message, fds, _flags, _address = socket.recv_fds(control, 1, 1)
        except OSError:
            return
        if not message:
            return
        if not fds:
            continue
        server = os.getpid()
        pid = os.fork()
        if pid == 0:
            _die_with(server)
            _become_worker(control, fds[0])
        os.close(fds[0])
        try:
            control.sendall(PID.pack(pid))
        except OSError:
            return


def _die_with(server: int) -> None:
    """A worker dies with the fork server, which exits when the driver's socket closes: a
    killed driver never leaves a worker running (a hung step, forever).  Linux kills the
    worker when its parent dies (``PR_SET_PDEATHSIG``, safe here: the server has one
    thread); elsewhere a watchdog thread notices the worker was re-parented."""
    if _libc is not None:
        pr_set_pdeathsig = 1
        if _libc.prctl(pr_set_pdeathsig, signal.SIGKILL, 0, 0, 0) == 0:
            if os.getppid() != server:  # the server died before the signal was armed
                os._exit(1)
            return
    import threading
    import time

    def watch() -> None:
        while os.getppid() == server:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="flowplan-watchdog", daemon=True).start()


def _become_worker(control: socket.socket, fd: int) -> None:
    code = 1
    try:
        control.close()
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        os.setpgid(0, 0)  # the driver stops a worker by killing its process group
        from flowplan.executor.worker import serve

        serve(socket.socket(fileno=fd))
        code = 0
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)
