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


def deeply(func: Callable[..., T], *args: Any) -> T:
    """``func(*args)``; on ``RecursionError``, once more on a large stack."""
    try:
        return func(*args)
    except RecursionError:
        pass
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
