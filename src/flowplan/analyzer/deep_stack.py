"""Reading deeply nested code: libcst walks trees recursively, so a long expression (a few
hundred ``+`` terms) exhausts Python's default stack.  :func:`deeply` runs such a reading
again in a thread with a large stack and a high recursion limit, so that the file still gets
its real diagnostics instead of an internal error."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")

STACK_BYTES = 512 * 1024 * 1024  # virtual: only the pages used are ever touched
RECURSION_LIMIT = 200_000
_lock = threading.Lock()


def exhausted_stack(exc: BaseException) -> bool:
    """Whether ``exc`` is, or was raised while handling, a ``RecursionError`` (libcst's
    position tracking turns one into a ``KeyError`` as the stack unwinds)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, RecursionError):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False


def deeply(func: Callable[..., T], *args: Any) -> T:
    """``func(*args)``; when it runs out of stack, once more on a large stack."""
    try:
        return func(*args)
    except Exception as exc:
        if not exhausted_stack(exc):
            raise
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["value"] = func(*args)
        except BaseException as exc:  # handed back to the caller's thread
            outcome["error"] = exc

    with _lock:
        limit, size = sys.getrecursionlimit(), threading.stack_size()
        try:
            threading.stack_size(STACK_BYTES)
            sys.setrecursionlimit(RECURSION_LIMIT)
            worker = threading.Thread(target=run, name="flowplan-deep-parse")
            worker.start()
            worker.join()
        finally:
            threading.stack_size(size)
            sys.setrecursionlimit(limit)
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]  # type: ignore[no-any-return]
