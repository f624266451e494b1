"""Stopping a step that runs in a thread of the driver's process (FAIL_FAST, timeouts).

A thread cannot be killed, but CPython can raise an exception in it at its next bytecode
(``PyThreadState_SetAsyncExc``).  ``StepStopped`` derives from ``BaseException``, so a step's
own ``except Exception`` does not swallow it; a step blocked inside one C call (a long
``time.sleep``) is stopped as soon as that call returns, before its next line runs.

:class:`StepThreadRegistry` makes the delivery exact:

* An exception is only sent to a thread while it runs the step's own code (:data:`user_code`,
  around the call of the step's function), never while flowplan loads inputs, stores outputs
  or records results; a thread takes anything still pending when it leaves the step's code.
* **At most one exception is sent per entry into the step's code.**  Once one is sent, the
  step is stopping; a second one could land in the middle of the first one's handling
  (flowplan's own, on the way out of the step), where nothing expects it.
* **flowplan code that a step calls defers a stop** (:data:`deferred_stops`, around every
  transaction of the metadata store): a step that asks the ``Client`` about its run may
  commit the run's pending records on the way, and a stop landing there would leave a
  transaction open (the store locked for everyone) or records lost.  A stop sent before the
  deferred section is taken at its start and delivered at its end, as one asked meanwhile.

Only a thread that was sent a stop clears one, and it clears it by taking it: cancelling a
pending exception (``PyThreadState_SetAsyncExc(thread, NULL)``) leaves CPython 3.11's
"something pending" flag raised with nothing to deliver, and under a tracer or profiler
(``pdb``, ``coverage``, ``cProfile``) the interpreter then spins at the next function call.
"""

from __future__ import annotations

import sys
import threading


class StepStopped(BaseException):
    """Raised inside a step's thread when the run stops the step (FAIL_FAST)."""


class StepTimedOut(BaseException):
    """Raised inside a step's thread when the step ran longer than its timeout."""


STOPS = (StepStopped, StepTimedOut)


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


class _StepThread(threading.local):
    """What the calling thread runs: the step ``step_id`` of ``registry`` (or nothing), and
    how deep it is in sections that defer a stop."""

    registry: StepThreadRegistry | None = None
    step_id: str = ""
    deferring = 0


_here = _StepThread()


def in_a_step() -> bool:
    """Whether the calling thread runs a step that its registry may stop."""
    return _here.registry is not None


class StepThreadRegistry:
    """Which thread runs which step's code, so that a step can be stopped in its own thread;
    a stop asked for while the step runs no user code waits until it does."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._threads: dict[str, int] = {}
        self._asked: dict[str, type[BaseException]] = {}
        self._sent: set[str] = set()  # steps whose thread was sent a stop since it entered
        self._deferring: set[str] = set()  # steps whose thread is in a deferred section

    def enter(self, step_id: str) -> None:
        """The calling thread starts running ``step_id``'s code (raises a stop asked before)."""
        with self._lock:
            asked = self._asked.get(step_id)
            if asked is None:
                self._threads[step_id] = threading.get_ident()
        if asked is not None:
            raise asked()

    def leave(self, step_id: str) -> None:
        """Unregister the calling thread and take a stop that has not fired yet."""
        with self._lock:
            self._threads.pop(step_id, None)
            if step_id in self._sent:
                _take_pending()
                self._sent.discard(step_id)

    def forget(self, step_id: str) -> None:
        """:meth:`leave`, and forget a stop asked for ``step_id`` (its thread is done)."""
        with self._lock:
            self._threads.pop(step_id, None)
            if step_id in self._sent:
                _take_pending()
                self._sent.discard(step_id)
            self._asked.pop(step_id, None)

    def stop(self, step_ids: list[str] | set[str], exc_type: type[BaseException]) -> None:
        with self._lock:
            for step_id in step_ids:
                self._asked.setdefault(step_id, exc_type)
                ident = self._threads.get(step_id)
                if ident is None or ident == threading.get_ident():
                    continue  # not in the step's code: it raises the stop on entering it
                if step_id in self._sent or step_id in self._deferring:
                    continue  # one is on its way, or is sent when the section ends
                self._sent.add(step_id)
                _raise_in(ident, exc_type)

    def defer(self, step_id: str) -> None:
        """The calling thread enters flowplan code from the step's code: no stop lands there."""
        with self._lock:
            if step_id not in self._threads:
                return
            if step_id in self._sent:  # taken now, delivered when the section ends
                _take_pending()
                self._sent.discard(step_id)
            self._deferring.add(step_id)

    def resume(self, step_id: str, raising: BaseException | None) -> None:
        """The deferred section ends: a stop asked meanwhile (or taken at its start) is raised
        now; beside another exception (``raising``), it is sent to land right after."""
        with self._lock:
            self._deferring.discard(step_id)
            asked = self._asked.get(step_id)
            if asked is None or step_id not in self._threads or step_id in self._sent:
                return
            self._sent.add(step_id)  # one stop per entry: this one
            if isinstance(raising, STOPS) or isinstance(sys.exc_info()[1], STOPS):
                return  # a stop is already on its way out of the step
            if raising is not None:
                _raise_in(threading.get_ident(), asked)
                return
        raise asked()


class _UserCode:
    """``with user_code:`` around the call of a step's function, the one place a stop is
    delivered (a thread that runs no step enters and leaves nothing)."""

    def __enter__(self) -> None:
        registry = _here.registry
        if registry is not None:
            registry.enter(_here.step_id)

    def __exit__(self, *exc: object) -> None:
        registry = _here.registry
        if registry is not None:
            registry.leave(_here.step_id)


class _DeferredStops:
    """``with deferred_stops:`` around flowplan code a step may call (a transaction of the
    metadata store): a stop waits for its end.  Sections nest; only the outermost counts."""

    def __enter__(self) -> None:
        here = _here
        if here.registry is not None:
            here.deferring += 1
            if here.deferring == 1:
                here.registry.defer(here.step_id)

    def __exit__(self, exc_type: object, exc: BaseException | None, tb: object) -> None:
        here = _here
        if here.registry is not None and here.deferring:
            here.deferring -= 1
            if here.deferring == 0:
                here.registry.resume(here.step_id, exc)


user_code = _UserCode()
deferred_stops = _DeferredStops()


class stoppable_steps:
    """``with stoppable_steps(registry, step_id):`` the calling thread runs ``step_id``: its
    user code may be stopped through ``registry`` (a class, not a generator: it runs around
    every step)."""

    __slots__ = ("_outer", "_registry", "_step_id")

    def __init__(self, registry: StepThreadRegistry, step_id: str) -> None:
        self._registry = registry
        self._step_id = step_id

    def __enter__(self) -> None:
        here = _here
        self._outer = here.registry, here.step_id, here.deferring  # a pipeline run by a step
        here.registry, here.step_id, here.deferring = self._registry, self._step_id, 0

    def __exit__(self, *exc: object) -> None:
        try:
            self._registry.forget(self._step_id)  # in case a stop fired before user_code left
        finally:
            _here.registry, _here.step_id, _here.deferring = self._outer
