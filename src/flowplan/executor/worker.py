"""The worker side of process isolation: run the step tasks the driver sends, one at a time.

A request is a plain pickle of :class:`Request`; its ``task`` is a cloudpickled ``StepTask``.
Before each task the worker takes on the driver's environment variables, working directory
and ``sys.path``, so a long-lived worker behaves like a fresh one.  It writes the step's
artifacts itself and answers with a pickled ``StepResult``; run metadata stays with the
driver.  Importing this module is cheap: the driver imports it to ask :func:`refuses_runs`.
"""

from __future__ import annotations

import os
import sys
import typing
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flowplan.messages import runtime

if TYPE_CHECKING:
    import socket

    from flowplan.executor.runner import StepResult
    from flowplan.store.local import LocalStore

_IMPORTING_TASK = False
_STORES: dict[str, LocalStore] = {}


@dataclass(frozen=True)
class Request:
    """One step for a worker process: the pickled task and the environment to run it in."""

    step_id: str
    task: bytes
    home: str
    environ: dict[str, str]
    cwd: str
    path: list[str]


def refuses_runs() -> bool:
    """True while a worker unpickles a task: user code imported then must not run pipelines."""
    return _IMPORTING_TASK


@contextmanager
def importing_user_code() -> Iterator[None]:
    """While user code is imported to run a step, pipelines it calls at import are refused."""
    global _IMPORTING_TASK
    previous, _IMPORTING_TASK = _IMPORTING_TASK, True
    try:
        yield
    finally:
        _IMPORTING_TASK = previous


def serve(sock: socket.socket) -> None:
    """Answer requests until the driver closes the socket."""
    from flowplan.executor.capture import capturing_run, hold_terminal_output
    from flowplan.executor.worker_protocol import receive_message, send_message

    hold_terminal_output()  # the driver's live view owns the terminal
    with capturing_run():
        while True:
            data = receive_message(sock)
            if data is None:
                return
            send_message(sock, handle(data))
            sys.stdout.flush()
            sys.stderr.flush()


def handle(data: bytes) -> bytes:
    import pickle  # worker processes only: the driver's threads never pickle

    request: Request = pickle.loads(data)
    try:
        _adopt(request)
        result = _run(request)
    except Exception as exc:
        result = failure(request.step_id, f"the worker process could not run it: {_describe(exc)}")
    try:
        return pickle.dumps(result)
    except Exception as exc:
        return pickle.dumps(failure(request.step_id, f"its result cannot be sent back: {exc}"))


def _run(request: Request) -> StepResult:
    import pickle

    from flowplan.executor.runner import execute_step
    from flowplan.store.local import LocalStore

    with importing_user_code():
        task = pickle.loads(request.task)
    _expose_main_types([*task.annotations.values(), *task.output_annotations])
    store = _STORES.get(request.home)
    if store is None:
        store = _STORES[request.home] = LocalStore.open(Path(request.home), metadata_now=False)
    from flowplan.executor.capture import terminal_output_held

    result = execute_step(task, store)
    result.values = []  # the driver reads outputs from the store
    result.echoed = not terminal_output_held()
    return result


def _expose_main_types(annotations: list[Any]) -> None:
    """Put the classes the driver's ``__main__`` defines (shipped by value) into this
    process's ``__main__``, so ``__main__.Report`` names the same class here as there."""
    main = sys.modules["__main__"]
    pending = list(annotations)
    while pending:
        annotation = pending.pop()
        pending.extend(typing.get_args(annotation))
        if (
            isinstance(annotation, type)
            and annotation.__module__ == "__main__"
            and "." not in annotation.__qualname__
        ):
            setattr(main, annotation.__qualname__, annotation)


def _adopt(request: Request) -> None:
    """Take on the driver's environment, working directory and import path."""
    if os.environ != request.environ:
        os.environ.clear()
        os.environ.update(request.environ)
    if os.getcwd() != request.cwd:
        os.chdir(request.cwd)
    if sys.path != request.path:
        sys.path[:] = request.path


def failure(step_id: str, message: str) -> StepResult:
    """A failed result for a step that could not run in (or come back from) a worker."""
    from flowplan.executor.runner import StepResult

    text = runtime.step_failed(step_id, message).format()
    return StepResult(id=step_id, ok=False, error=text)


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"
