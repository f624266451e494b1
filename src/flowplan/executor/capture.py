"""Per-step capture of stdout/stderr that works with steps running in several threads.

While a run is active, ``sys.stdout``/``sys.stderr`` are proxies: writes made by a thread that
is running a step go to that step's buffer *and* to the real stream; other writes go straight
through.

A proxy, once made, is never freed: ``print()`` holds ``sys.stdout`` as a borrowed reference
while it writes, so a proxy freed when the last run of one thread restores the real streams
would crash another thread that is printing through it (runs in several threads at once, as
the store stress test does).  Each real stream keeps one proxy, reused whenever a run installs
it again.
"""

from __future__ import annotations

import contextvars
import io
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TextIO

_BUFFERS: contextvars.ContextVar[tuple[io.StringIO, io.StringIO] | None] = contextvars.ContextVar(
    "flowplan_capture", default=None
)
_LOCK = threading.Lock()
_DEPTH = 0
_PROXIES: dict[tuple[int, int], _Proxy] = {}  # (id of the real stream, index) -> its proxy


class _Proxy(io.TextIOBase):
    def __init__(self, real: TextIO, index: int) -> None:
        self.real = real
        self.index = index

    def write(self, text: str) -> int:
        buffers = _BUFFERS.get()
        if buffers is not None:
            buffers[self.index].write(text)
        return self.real.write(text)

    def flush(self) -> None:
        self.real.flush()

    def isatty(self) -> bool:
        return self.real.isatty()

    def fileno(self) -> int:
        return self.real.fileno()

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return getattr(self.real, "encoding", "utf-8")

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)


@contextmanager
def capturing_run() -> Iterator[None]:
    """Install the proxies for the duration of a run (nested runs share them)."""
    global _DEPTH
    with _LOCK:
        if _DEPTH == 0:
            sys.stdout = _proxy(sys.stdout, 0)
            sys.stderr = _proxy(sys.stderr, 1)
        _DEPTH += 1
    try:
        yield
    finally:
        with _LOCK:
            _DEPTH -= 1
            if _DEPTH == 0:
                if isinstance(sys.stdout, _Proxy):
                    sys.stdout = sys.stdout.real
                if isinstance(sys.stderr, _Proxy):
                    sys.stderr = sys.stderr.real


def _proxy(real: TextIO, index: int) -> TextIO:
    """The one proxy of ``real`` (call with ``_LOCK`` held), made on first use and kept --
    with ``real`` -- for the life of the process, so ``id(real)`` stays its key."""
    if isinstance(real, _Proxy):
        return real
    proxy = _PROXIES.get((id(real), index))
    if proxy is None:
        proxy = _PROXIES[(id(real), index)] = _Proxy(real, index)
    return proxy  # type: ignore[return-value]


@contextmanager
def capture_step() -> Iterator[tuple[io.StringIO, io.StringIO]]:
    buffers = (io.StringIO(), io.StringIO())
    token = _BUFFERS.set(buffers)
    try:
        yield buffers
    finally:
        _BUFFERS.reset(token)
