"""Making written files durable: one file (``fsync``), or every file of a file system at
once (``syncfs``, Linux)."""

from __future__ import annotations

import functools
import os
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ctypes import CDLL


@functools.cache
def libc() -> CDLL | None:
    """The C library this process runs on (Linux), loaded once; None elsewhere.  Imports
    ctypes: call it only where a system call Python lacks is needed."""
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    try:
        return ctypes.CDLL(None, use_errno=True)
    except OSError:
        return None


def syncfs(folder: str) -> bool:
    """``syncfs`` of the file system holding ``folder`` (Linux); False where there is none."""
    library = libc()  # only in a process that writes several new files at once
    if library is None:
        return False
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return False
    try:
        return int(library.syncfs(fd)) == 0
    except AttributeError:
        return False
    finally:
        os.close(fd)


def fsync(path: str) -> None:
    """``fsync`` of the file or folder at ``path`` (gone: nothing to keep)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:  # deleted since (it is then no one's to keep)
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
