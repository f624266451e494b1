"""Making written files durable: one file (``fsync``), or every file of a file system at
once (``syncfs``, Linux)."""

from __future__ import annotations

import os
import sys


def syncfs(folder: str) -> bool:
    """``syncfs`` of the file system holding ``folder`` (Linux); False where there is none."""
    if not sys.platform.startswith("linux"):
        return False
    import ctypes  # only in a process that writes several new files at once

    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return False
    try:
        return int(ctypes.CDLL(None, use_errno=True).syncfs(fd)) == 0
    except (OSError, AttributeError):
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
