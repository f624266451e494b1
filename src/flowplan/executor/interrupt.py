"""Stopping a step that runs in a thread of the driver's process.

A thread cannot be killed, but CPython can raise an exception in it at its next bytecode
(``PyThreadState_SetAsyncExc``).  ``StepStopped`` derives from ``BaseException``, so a step's
own ``except Exception`` does not swallow it; a step blocked inside one C call (a long
``time.sleep``) is stopped as soon as that call returns, before its next line runs.

``StepThreadRegistry`` makes the delivery exact: an exception is only ever raised in a thread
while that thread runs the step's own code (:func:`user_code`, around the call of the step's
function), never while flowplan loads inputs, stores outputs or writes records (an exception
there could leave a transaction open or a record half-written), and a thread clears anything
still pending before it goes on.

Only a thread that was sent a stop clears one, and it clears it by taking it: cancelling a
pending exception (``PyThreadState_SetAsyncExc(thread, NULL)``) leaves CPython 3.11's
"something pending" flag raised with nothing to deliver, and under a tracer or profiler
(``pdb``, ``coverage``, ``cProfile``) the interpreter then spins at the next function call.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager


class StepStopped(BaseException):
    """Raised inside a step's thread when the run stops the step (FAIL_FAST)."""


class StepTimedOut(BaseException):
    """Raised inside a step's thread when the step ran longer than its timeout."""


class Deadline:
    """Calls ``expire`` once ``seconds`` have passed, unless cancelled first (``with``)."""

    def __init__(self, seconds: float | None, expire: Callable[[], None]) -> None:
        self.seconds = seconds
        self.expired = False
        self._expire = expire
        self._timer: threading.Timer | None = None

    def _fire(self) -> None:
        self.expired = True
        self._expire()

    def __enter__(self) -> Deadline:
        if self.seconds is not None:
            self._timer = threading.Timer(self.seconds, self._fire)
            self._timer.daemon = True
            self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._timer is not None:
            self._timer.cancel()


def _raise_in(ident: int, exc_type: type[BaseException] | None) -> None:
    import ctypes  # only when a step is stopped

    obj = ctypes.py_object(exc_type) if exc_type is not None else None
    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(ident), obj)


class _Taken(BaseException):
    """Replaces a stop still pending in the calling thread, to be taken at once."""


def _checkpoint() -> None:
    """A call: the interpreter delivers a pending asynchronous exception on entering it."""


def _take_pending() -> None:
    """Take whatever stop is pending in the calling thread (see the module docstring)."""
    try:
        _raise_in(threading.get_ident(), _Taken)
        _checkpoint()
    except _Taken:
        return
    _raise_in(threading.get_ident(), None)  # not delivered: cancel it (no tracer spins here)


_step = threading.local()  # ``registry`` and ``step_id`` of the step this thread may stop


class StepThreadRegistry:
    """Which thread runs which step's code, so that a step can be stopped in its own thread;
    a stop asked for while the step runs no user code waits until it does."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._threads: dict[str, int] = {}
        self._asked: dict[str, type[BaseException]] = {}
        self._sent: set[str] = set()  # steps whose thread was sent a stop

    def enter(self, step_id: str) -> None:
        with self._lock:
            asked = self._asked.get(step_id)
            if asked is None:
                self._threads[step_id] = threading.get_ident()
        if asked is not None:
            raise asked()

    def leave(self, step_id: str) -> None:
        """Unregister the calling thread and cancel a stop that has not fired yet."""
        while True:
            try:
                with self._lock:
                    self._threads.pop(step_id, None)
                    if step_id in self._sent:
                        _take_pending()
                        self._sent.discard(step_id)
                return
            except (StepStopped, StepTimedOut):  # fired while taking the lock: try again
                continue

    def forget(self, step_id: str) -> None:
        self.leave(step_id)
        with self._lock:
            self._asked.pop(step_id, None)

    def stop(self, step_ids: list[str] | set[str], exc_type: type[BaseException]) -> None:
        with self._lock:
            for step_id in step_ids:
                self._asked.setdefault(step_id, exc_type)
                ident = self._threads.get(step_id)
                if ident is not None and ident != threading.get_ident():
                    self._sent.add(step_id)
                    _raise_in(ident, exc_type)


@contextmanager
def stoppable_steps(registry: StepThreadRegistry, step_id: str) -> Iterator[None]:
    """The calling thread runs ``step_id``: its user code may be stopped through ``registry``."""
    _step.registry, _step.step_id = registry, step_id
    try:
        yield
    finally:
        registry.forget(step_id)  # in case a stop fired before user_code could leave
        _step.registry = _step.step_id = None


@contextmanager
def user_code() -> Iterator[None]:
    """Around the call of a step's function: the one place a stop is delivered."""
    registry: StepThreadRegistry | None = getattr(_step, "registry", None)
    if registry is None:
        yield
        return
    registry.enter(_step.step_id)
    try:
        yield
    finally:
        registry.leave(_step.step_id)
