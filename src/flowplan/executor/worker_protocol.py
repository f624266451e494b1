"""What crosses between the driver and its worker processes, and how.

Messages are length-prefixed pickles over a Unix stream socket.  Step functions and hooks
travel with cloudpickle: functions of ``__main__`` by value (cloudpickle's rule), and so are
functions of any module whose top level is executing right now -- a module that runs a
pipeline while it is being imported.  A worker therefore never imports ``__main__`` or a
half-imported user module, so it never re-runs the user's script.
"""

from __future__ import annotations

import struct
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType
from typing import TYPE_CHECKING, Any

from flowplan.lazy import import_cloudpickle

if TYPE_CHECKING:
    import socket

_HEADER = struct.Struct("!Q")
_BY_VALUE_LOCK = threading.Lock()


def send_message(sock: socket.socket, payload: bytes) -> None:
    sock.sendall(_HEADER.pack(len(payload)))
    sock.sendall(payload)


def receive_message(sock: socket.socket) -> bytes | None:
    """The next message, or None when the other end has gone."""
    header = _read_exact(sock, _HEADER.size)
    if header is None:
        return None
    (size,) = _HEADER.unpack(header)
    return _read_exact(sock, size)


def _read_exact(sock: socket.socket, size: int) -> bytes | None:
    buffer = bytearray(size)
    view = memoryview(buffer)
    got = 0
    while got < size:
        try:
            count = sock.recv_into(view[got:])
        except OSError:
            return None
        if count == 0:
            return None
        got += count
    return bytes(buffer)


def modules_importing_now() -> list[ModuleType]:
    """Modules (other than ``__main__``) whose top-level code is on this thread's stack."""
    found: dict[str, ModuleType] = {}
    frame = sys._getframe(1)
    while frame is not None:
        if frame.f_code.co_name == "<module>":
            name = frame.f_globals.get("__name__")
            module = sys.modules.get(name) if isinstance(name, str) else None
            if module is not None and name != "__main__":
                found[module.__name__] = module
        frame = frame.f_back  # type: ignore[assignment]
    return list(found.values())


@contextmanager
def pickled_by_value(modules: list[ModuleType]) -> Iterator[None]:
    """Have cloudpickle ship the functions of ``modules`` by value while the block runs."""
    import_cloudpickle()
    import cloudpickle

    added: list[ModuleType] = []
    with _BY_VALUE_LOCK:
        registered = cloudpickle.list_registry_pickle_by_value()
        for module in modules:
            if module.__name__ not in registered:
                cloudpickle.register_pickle_by_value(module)
                added.append(module)
    try:
        yield
    finally:
        with _BY_VALUE_LOCK:
            for module in added:
                cloudpickle.unregister_pickle_by_value(module)


def dumps(obj: Any) -> bytes:
    from flowplan.store import cloudpickles

    return cloudpickles.dumps(obj)
