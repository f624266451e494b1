"""One large file checked by several processes: after the file is parsed and its module-level
names are read, the process forks; each process checks a shard of the module's definitions
(its steps' definitions and its pipelines' bodies, where nearly all the time of a check goes)
and runs every rule over that shard, and the forks send their diagnostics back.

A shard holds consecutive steps and consecutive pipelines, so that a pipeline usually calls
steps of its own shard (what a process reads of a step, its signature and its template, is
then read once).  A rule that needs the whole module (FP802 asks every pipeline of the file
whether it caches a step) computes what its shard lacks: the result never depends on the
sharding, only the time does.  Where forking is not safe -- not Linux, or other threads
running -- or a fork fails, this process checks every shard itself."""

from __future__ import annotations

import os
import pickle
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from flowplan.diagnostics import Diagnostic

if TYPE_CHECKING:
    from flowplan.compiler.frontends.static.definitions import Definition
    from flowplan.compiler.frontends.static.facts import ModuleFacts

SHARD_BYTES = 256 * 1024  # a file this large is checked in shards when cores are free
MIN_WAIT = 30.0  # seconds a shard's process may take beyond this one's own share

# What one shard's check returns: its diagnostics, and the files it read with their digests.
Found = tuple[list[Diagnostic], dict[str, str]]


@dataclass(frozen=True)
class Shard:
    """Shard ``index`` of ``count`` of one module's definitions."""

    index: int
    count: int

    def definitions(self, facts: ModuleFacts) -> list[Definition]:
        """The definitions this shard checks, in the module's order: a consecutive part of
        its steps, and one of its other definitions (pipelines, decorated classes)."""
        from flowplan.compiler.frontends.static.definitions import StepDef

        steps: list[Definition] = [d for d in facts.definitions if isinstance(d, StepDef)]
        others = [d for d in facts.definitions if not isinstance(d, StepDef)]
        mine = {id(d) for group in (steps, others) for d in self._part(group)}
        return [d for d in facts.definitions if id(d) in mine]

    def _part(self, group: list[Definition]) -> list[Definition]:
        size = len(group)
        return group[size * self.index // self.count:size * (self.index + 1) // self.count]


def shard_count(size: int, jobs: int) -> int:
    """How many processes check a file of ``size`` bytes when ``jobs`` cores are free."""
    if jobs < 2 or size < SHARD_BYTES or not can_fork():
        return 1
    return min(jobs, 1 + size // SHARD_BYTES)


def can_fork() -> bool:
    """Whether this process may fork to check shards: on Linux (elsewhere a fork is unsafe
    or missing) and with no other thread running (a fork copies only the calling thread;
    a lock another thread held would stay held in the child forever)."""
    return sys.platform.startswith("linux") and threading.active_count() == 1


def check_shards(check: Callable[[Shard], Found], count: int) -> Found:
    """``check`` of every shard of ``count``, merged: shard 0 here, the others in forked
    processes -- or here, for a shard whose fork is refused or whose process fails."""
    shards = [Shard(index, count) for index in range(count)]
    children: list[tuple[Shard, int, int]] = []
    here = shards[:1]
    for shard in shards[1:]:
        forked = _fork(check, shard)
        if forked is None:
            here.append(shard)
        else:
            children.append((shard, *forked))
    diagnostics: list[Diagnostic] = []
    depends: dict[str, str] = {}
    try:
        started = time.monotonic()
        found = [check(shard) for shard in here]
        # A process still at work long after this one finished its own share is stuck (a
        # lock that another thread held when it forked): it is ended, its shard done here.
        deadline = time.monotonic() + max(MIN_WAIT, 4 * (time.monotonic() - started))
        while children:
            shard, pid, fd = children[0]
            answer = _collect(pid, fd, deadline)
            children.pop(0)
            os.close(fd)
            found.append(answer or check(shard))
    finally:  # interrupted: no process is left checking
        for _, pid, fd in children:
            _reap(pid, fd)
    for shard_diagnostics, shard_depends in found:
        diagnostics += shard_diagnostics
        depends.update(shard_depends)
    return diagnostics, depends


def _fork(check: Callable[[Shard], Found], shard: Shard) -> tuple[int, int] | None:
    """A process checking ``shard`` and the pipe it answers on, or None if none starts."""
    try:
        read, write = os.pipe()
    except OSError:
        return None
    try:
        pid = os.fork()
    except OSError:
        os.close(read)
        os.close(write)
        return None
    if pid:
        os.close(write)
        return pid, read
    status = 1
    try:  # the child: answer, then leave at once (no teardown of what the parent owns)
        os.close(read)
        data = pickle.dumps(check(shard), protocol=pickle.HIGHEST_PROTOCOL)
        with os.fdopen(write, "wb") as out:
            out.write(data)
        status = 0
    finally:
        os._exit(status)


def _collect(pid: int, fd: int, deadline: float) -> Found | None:
    """What the process ``pid`` answered on ``fd``, once it has ended; None if it failed or
    had not answered by ``deadline`` (its shard is then checked again here: a failed fork
    never loses a diagnostic)."""
    import select
    import signal

    chunks: list[bytes] = []
    while True:
        ready, _, _ = select.select([fd], [], [], max(deadline - time.monotonic(), 0))
        if not ready:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            return None
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            break
        chunks.append(chunk)
    _, status = os.waitpid(pid, 0)
    if not os.WIFEXITED(status) or os.WEXITSTATUS(status) != 0:
        return None
    try:
        found: Found = pickle.loads(b"".join(chunks))
    except (pickle.UnpicklingError, EOFError, ValueError):  # truncated: checked here
        return None
    return found


def _reap(pid: int, fd: int) -> None:
    """End the process ``pid`` if it still runs (this process is being interrupted)."""
    import contextlib
    import signal

    with contextlib.suppress(OSError):
        os.close(fd)
    with contextlib.suppress(OSError):
        os.kill(pid, signal.SIGKILL)
    with contextlib.suppress(ChildProcessError, OSError):
        os.waitpid(pid, 0)
