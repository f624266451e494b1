"""Changes to the files of an artifact store's folders, as the kernel reports them (Linux
``inotify``), so that a file this process has checked stays vouched for without a system call
per file: one look at the queue of changes tells whether any file changed since.

The kernel queues a change when the system call that makes it returns, so a look at the queue
sees every change made before it.  Used only for folders on a local file system (a network
file system does not report changes made by other machines); elsewhere, or when the kernel
refuses more watches, :mod:`flowplan.store.checked_files` stats each file instead.
"""

from __future__ import annotations

import fcntl
import os
import struct
import sys
import termios
from typing import TYPE_CHECKING

from flowplan.store.durable_files import libc

if TYPE_CHECKING:
    from ctypes import CDLL

# inotify(7)
_IN_MODIFY, _IN_ATTRIB, _IN_CLOSE_WRITE = 0x002, 0x004, 0x008
_IN_MOVED_FROM, _IN_MOVED_TO, _IN_CREATE, _IN_DELETE = 0x040, 0x080, 0x100, 0x200
_IN_DELETE_SELF, _IN_MOVE_SELF = 0x400, 0x800
_IN_UNMOUNT, _IN_Q_OVERFLOW, _IN_IGNORED = 0x2000, 0x4000, 0x8000
_IN_ONLYDIR = 0x01000000
_IN_NONBLOCK, _IN_CLOEXEC = os.O_NONBLOCK, os.O_CLOEXEC
# every way a file in a watched folder can change, or the folder itself go
MASK = (
    _IN_MODIFY | _IN_ATTRIB | _IN_CLOSE_WRITE | _IN_MOVED_FROM | _IN_MOVED_TO | _IN_CREATE
    | _IN_DELETE | _IN_DELETE_SELF | _IN_MOVE_SELF | _IN_ONLYDIR
)
# a folder on the path to the files: itself moved or removed
_PATH_MASK = _IN_DELETE_SELF | _IN_MOVE_SELF | _IN_ONLYDIR
# ... and its entries that are symbolic links on the path: replaced or removed
_LINKS_MASK = _PATH_MASK | _IN_MOVED_FROM | _IN_MOVED_TO | _IN_CREATE | _IN_DELETE
_FOLDER_GONE = _IN_DELETE_SELF | _IN_MOVE_SELF | _IN_UNMOUNT | _IN_IGNORED
_EVENT = struct.Struct("iIII")  # wd, mask, cookie, len; then len bytes of name
_PENDING = bytes(4)

# File systems whose changes all pass through this kernel.
LOCAL_FILE_SYSTEMS = frozenset({
    "ext2", "ext3", "ext4", "xfs", "btrfs", "bcachefs", "f2fs", "jfs", "reiserfs", "zfs",
    "tmpfs", "ramfs", "overlay", "vfat", "exfat", "ntfs", "ntfs3", "hfsplus",
})  # fmt: skip

EVERYTHING = None  # what :meth:`FolderWatch.changes` returns when any file may have changed


class FolderWatch:
    """One ``inotify`` instance watching the folders of files (every change of a file in
    them is reported) and the folders on the path to them (only a change of the path itself:
    a folder on it moved or removed, a symbolic link on it replaced); :meth:`changes` reads
    what it queued."""

    def __init__(self, fd: int, libc: CDLL) -> None:
        self.fd = fd
        self._libc = libc
        self._files: dict[int, str] = {}  # watch descriptor -> a folder of files
        # watch descriptor of a folder on a path to folders of files -> its entries on such
        # paths that are symbolic links
        self._paths: dict[int, set[str]] = {}
        self._descriptors: dict[str, int] = {}  # folder -> its watch descriptor

    @classmethod
    def open(cls) -> FolderWatch | None:
        """A new watch, or None where the kernel offers none (not Linux, no instance left)."""
        library = libc()  # only in a process that checks a file twice
        if library is None:
            return None
        try:
            fd = library.inotify_init1(_IN_NONBLOCK | _IN_CLOEXEC)
        except AttributeError:
            return None
        return cls(fd, library) if fd >= 0 else None

    def watch(self, folder: str) -> bool:
        """Watch the files of ``folder``, and the path to it (already watched: nothing to do);
        False when the kernel refuses."""
        path = os.path.abspath(folder)
        wd = self._descriptors.get(path)
        if wd is not None and wd in self._files:
            return True
        parent, name = os.path.split(path)
        while name:  # the path first, so that no change of it goes unseen once files are
            # Each folder on the path reports its own move or removal; a folder's entry that
            # is a symbolic link is watched there too (pointing it elsewhere moves nothing).
            link = os.path.islink(os.path.join(parent, name))
            wd = self._descriptors.get(parent)
            links = self._paths.get(wd, set()) if wd is not None else set()
            if wd is None or (link and name not in links):
                wd = self._add(parent, _LINKS_MASK if link or links else _PATH_MASK)
                if wd is None:
                    return False
                self._paths[wd] = links
            if link:
                links.add(name)
            parent, name = os.path.split(parent)
        wd = self._add(path, MASK)
        if wd is None:
            return False
        self._files[wd] = path
        return True

    def _add(self, folder: str, mask: int) -> int | None:
        wd: int = self._libc.inotify_add_watch(self.fd, os.fsencode(folder), mask)
        if wd < 0:
            return None
        self._descriptors[folder] = wd
        return wd

    def changes(self) -> list[str] | None:
        """The names of the files changed since the last call; ``EVERYTHING``
        (None) when a folder on the path went or was replaced, or the queue overflowed (the
        folders are then watched no more).  When nothing is queued this costs one system
        call."""
        found: list[str] = []
        everything = False
        while pending := int.from_bytes(
            fcntl.ioctl(self.fd, termios.FIONREAD, _PENDING), sys.byteorder
        ):
            try:
                data = os.read(self.fd, max(pending, 1 << 16))
            except BlockingIOError:
                break
            offset = 0
            while offset < len(data):
                wd, mask, _, size = _EVENT.unpack_from(data, offset)
                name = os.fsdecode(
                    data[offset + _EVENT.size : offset + _EVENT.size + size].rstrip(b"\0")
                )
                offset += _EVENT.size + size
                if mask & (_FOLDER_GONE | _IN_Q_OVERFLOW) or name in self._paths.get(wd, ()):
                    everything = True
                elif wd in self._files:
                    found.append(name)
        if everything:
            self._forget_all()
            return EVERYTHING
        return found

    def _forget_all(self) -> None:
        """Stop watching (the folders are watched again as their files are checked)."""
        for wd in self._descriptors.values():
            self._libc.inotify_rm_watch(self.fd, wd)
        self._files.clear()
        self._paths.clear()
        self._descriptors.clear()
        while True:  # what removing the watches queued
            try:
                os.read(self.fd, 1 << 16)
            except BlockingIOError:
                return

    def close(self) -> None:
        os.close(self.fd)


def on_local_file_system(path: str) -> bool:
    """Whether ``path`` is on a file system listed in :data:`LOCAL_FILE_SYSTEMS` (read from
    ``/proc/self/mountinfo``: the mount with the longest mount point above the path)."""
    target = os.path.realpath(path)
    best, kind = "", ""
    try:
        with open("/proc/self/mountinfo", encoding="utf-8", errors="replace") as mounts:
            for line in mounts:
                fields, _, rest = line.partition(" - ")
                parts = fields.split()
                if len(parts) < 5 or not rest:
                    continue
                point = _unescape(parts[4])
                inside = target == point or target.startswith(point.rstrip("/") + "/")
                if inside and len(point) >= len(best):
                    best, kind = point, rest.split()[0]
    except OSError:
        return False
    return kind in LOCAL_FILE_SYSTEMS


def _unescape(field: str) -> str:
    """A mount point as mountinfo writes it (space, tab, newline and backslash in octal)."""
    if "\\" not in field:
        return field
    for code in ("\\040", "\\011", "\\012", "\\134"):
        field = field.replace(code, chr(int(code[1:], 8)))
    return field
