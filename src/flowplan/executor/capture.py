"""Per-step capture of stdout/stderr that works with steps running in several threads.

While a run is active, ``sys.stdout``/``sys.stderr`` are proxies: writes made by a thread that
is running a step go to that step's buffer *and* to the real stream, a whole line at a time (so
the prints of steps running side by side never run together; a last unfinished line is ended
when the step ends); other writes go straight through.  While a live progress view holds the
terminal (:func:`echo_lines`), every line goes to it instead, to be printed above its status.

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
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TextIO

Echo = Callable[[int, str], None]  # (0 for stdout or 1 for stderr, whole lines without "\n")


_BUFFERS: contextvars.ContextVar[capture_step | None] = contextvars.ContextVar(
    "flowplan_capture", default=None
)
_ECHO: Echo | None = None
_HOLD_TERMINAL = False  # in a worker process: lines for a terminal go back with the result
_THREAD_PENDING = threading.local()  # unfinished lines written outside steps, while echoing
_LOCK = threading.Lock()
_DEPTH = 0
_PROXIES: dict[tuple[int, int], _Proxy] = {}  # (id of the real stream, index) -> its proxy


class _Proxy(io.TextIOBase):
    def __init__(self, real: TextIO, index: int) -> None:
        self.real = real
        self.index = index

    def write(self, text: str) -> int:
        capture = _BUFFERS.get()
        echo = _ECHO
        if capture is None:
            if echo is None:
                return self.real.write(text)
            pending = getattr(_THREAD_PENDING, "lines", None)
            if pending is None:
                pending = _THREAD_PENDING.lines = ["", ""]
        else:
            pending = capture.write(self.index, text)
        head, sep, tail = (pending[self.index] + text).rpartition("\n")
        pending[self.index] = tail
        if sep:
            self.emit(head, echo)
        return len(text)

    def emit(self, lines: str, echo: Echo | None) -> None:
        """Whole lines (without their last newline) to the live view or the real stream."""
        if echo is not None and self.isatty():
            echo(self.index, lines)
        elif not (_HOLD_TERMINAL and self.isatty()):
            self.real.write(lines + "\n")

    def flush(self) -> None:
        self.real.flush()

    def isatty(self) -> bool:
        try:
            return self.real.isatty()
        except (AttributeError, ValueError, OSError):
            return False

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


def hold_terminal_output() -> None:
    """In a worker process: what steps print for a terminal is only captured; the driver
    shows it, whole, when the step's result comes back (see :func:`replay`)."""
    global _HOLD_TERMINAL
    _HOLD_TERMINAL = _isatty(sys.stdout) or _isatty(sys.stderr)


def terminal_output_held() -> bool:
    return _HOLD_TERMINAL


def replay(stdout: str, stderr: str) -> None:
    """Show what a step printed in another process (through the proxies, so above a live
    status line)."""
    for stream, text in ((sys.stdout, stdout), (sys.stderr, stderr)):
        if text:
            stream.write(text if text.endswith("\n") else text + "\n")


def _isatty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):
        return False


@contextmanager
def echo_lines(echo: Echo) -> Iterator[None]:
    """While inside, whole lines written through the proxies go to ``echo``."""
    global _ECHO
    previous, _ECHO = _ECHO, echo
    try:
        yield
    finally:
        _ECHO = previous
        leftover = getattr(_THREAD_PENDING, "lines", None)
        if leftover is not None:
            _THREAD_PENDING.lines = None
            for index, text in enumerate(leftover):
                if text:
                    (sys.stdout, sys.stderr)[index].write(text)


class capture_step:
    """``with capture_step() as captured``: what the step prints goes to
    ``captured.texts()`` (stdout, stderr; and on to the terminal, as the run echoes it).

    It holds a buffer per stream and the unfinished last line of each stream, made at the
    step's first write (most steps print nothing).  A class without ``__init__``, not a
    generator: it runs around every step."""

    buffers: list[io.StringIO | None] | None = None
    pending: list[str] | None = None
    _token: contextvars.Token[capture_step | None]

    def write(self, index: int, text: str) -> list[str]:
        """Keep ``text``; return the unfinished last lines (stdout's, stderr's) to extend."""
        buffers, pending = self.buffers, self.pending
        if buffers is None or pending is None:
            buffers = self.buffers = [None, None]
            pending = self.pending = ["", ""]
        buffer = buffers[index]
        if buffer is None:
            buffer = buffers[index] = io.StringIO()
        buffer.write(text)
        return pending

    def texts(self) -> tuple[str, str]:
        """What was written to stdout and to stderr."""
        if self.buffers is None:
            return "", ""
        out, err = self.buffers
        return "" if out is None else out.getvalue(), "" if err is None else err.getvalue()

    def __enter__(self) -> capture_step:
        self._token = _BUFFERS.set(self)
        return self

    def __exit__(self, *exc: object) -> None:
        _BUFFERS.reset(self._token)
        pending = self.pending
        if pending is None or not (pending[0] or pending[1]):
            return
        for index, text in enumerate(pending):
            if text:  # a last line without its newline is ended with the step
                stream = (sys.stdout, sys.stderr)[index]
                if isinstance(stream, _Proxy):
                    stream.emit(text, _ECHO)
                else:
                    stream.write(text + "\n")
