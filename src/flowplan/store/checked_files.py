"""Artifact files whose content this process has checked against their hash, so that the
check of the next cache hit on them (DESIGN decision 19) costs no read and no hash while
they have not changed since.

Two ways to know that a file has not changed:

* **Its folder is watched** (Linux, a local file system; :mod:`flowplan.store.file_watch`):
  the kernel reports every change to a file of the folder, or to the path to it, made after
  the watch began.  The watch begins before the content is read, so a file stays vouched for
  until a change is reported.  The queue of changes is looked at when a run starts and after
  each step that ran (:func:`look_again`): the cache hits in between share one look.
* **Its status is the same** (elsewhere, or when the kernel refuses a watch): a file's
  status -- device, inode, size, modification and change times -- moves with every write,
  truncation, rename over it or replacement, and the change time cannot be set back by a
  user (``utime`` sets it to now).  File systems stamp these times from a coarse clock, so a
  file changed in the same tick as the check could keep its times: a status is remembered
  only for a file whose last change is :data:`SETTLED` seconds older than the check (as git
  does with its index), and the check costs one ``stat``.

Either way the content is read and hashed again once anything may have changed.  (Damage
below the file system -- a disk returning other bytes for an unchanged file -- would not
show in a second read either: it would come from the page cache.)
"""

from __future__ import annotations

import os
import threading
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # loaded at a file's second check in a process (fcntl, termios, struct)
    from flowplan.store.file_watch import FolderWatch

SETTLED = 2.0  # seconds since a file's last change before its status vouches for its content
LIMIT = 1 << 16  # files vouched for (beyond it, the oldest go first)
Status = tuple[int, int, int, int, int]


def status_of(stat: os.stat_result) -> Status:
    return (stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns)


class _Watched:
    """What the process's one folder watch vouches for: content hashes (file names) by the
    folders whose file of that name matched (an ``inotify`` instance serves every store)."""

    def __init__(self) -> None:
        self._reset()

    def _reset(self) -> None:
        self.lock = threading.Lock()
        self.watch: FolderWatch | None = None
        self.opened = False
        self.files: dict[str, set[str]] = {}  # content hash -> stores (roots) vouched for
        # Bumped by :func:`look_again`; a look records the one it began in.  While they are
        # equal, no code that could change a file has run since the last look, and checks
        # need no look of their own.
        self.generation = 0
        self.looked = -1
        self.reading: dict[str, object] = {}  # content hash -> the token of a read under way

    def folder_watch(self) -> FolderWatch | None:
        if not self.opened:
            self.opened = True
            from flowplan.store.file_watch import FolderWatch

            self.watch = FolderWatch.open()
        return self.watch

    def catch_up(self) -> None:
        """Forget the files changed since the last look (all of them, when the kernel says
        anything may have changed); call with :attr:`lock` held."""
        if self.watch is None:
            return
        from flowplan.store.file_watch import EVERYTHING

        began = self.generation
        changed = self.watch.changes()
        if changed is EVERYTHING:
            self.files.clear()
            self.reading.clear()
        else:
            for name in changed:
                self.files.pop(name, None)
                self.reading.pop(name, None)
        self.looked = began  # (a look_again meanwhile leaves the next check a look to take)

    def after_fork_in_child(self) -> None:
        """The parent's watch is not the child's to read (its changes are the parent's)."""
        if self.watch is not None:
            os.close(self.watch.fd)
        self._reset()


_WATCHED = _Watched()
os.register_at_fork(after_in_child=_WATCHED.after_fork_in_child)


def look_again() -> None:
    """The next check looks at the queue of changes again.  Called when a run starts and
    after each step it ran (the code that may have changed a file, or told this process
    that another one did): a change made before that moment is then seen by every check
    after it.  Checks in between -- a run's cache hits one after the other -- share one
    look; a change another process makes meanwhile, unordered with them, is seen at the
    next look."""
    _WATCHED.generation += 1


class CheckedFiles:
    """The files of one artifact store (folder ``root``, one folder per first two digits of
    their names) whose content matched their hash (their name)."""

    def __init__(self, root: str) -> None:
        self.root = root
        self._status: dict[str, tuple[str, Status]] = {}  # hash -> (path, status then)
        self._lock = threading.Lock()
        self._local: bool | None = None  # the store is on a local file system
        self._seen: set[str] = set()  # hashes checked in this process

    def unchanged(self, content_hash: str) -> bool:
        """Whether the file of ``content_hash`` is known unchanged since its content matched:
        no change reported in its watched folder, or (one ``stat``) the same status.  False
        when it was never vouched for, is gone, or changed."""
        roots = _WATCHED.files.get(content_hash)
        if roots is not None and self.root in roots:
            if _WATCHED.looked == _WATCHED.generation:
                return True
            with _WATCHED.lock:
                _WATCHED.catch_up()
                roots = _WATCHED.files.get(content_hash)
                return roots is not None and self.root in roots
        known = self._status.get(content_hash)
        if known is None:
            return False
        token = self.reading(content_hash)  # watched from before the stat: then vouched for
        try:
            stat = os.stat(known[0])
        except OSError:
            return False
        if status_of(stat) != known[1]:
            return False
        if token is not None:
            self._vouch(content_hash, token)
        return True

    def reading(self, content_hash: str) -> object | None:
        """Call before reading the file (or its status) to check it: its folder is watched
        from now on (the token to pass to :meth:`matched`), or None where folders are not
        watched.  Not at the first check of a file in this process: a process that checks
        each file once (a new process's run) never needs a watch."""
        if content_hash not in self._seen:
            if len(self._seen) >= LIMIT:
                self._seen.clear()
            self._seen.add(content_hash)
            return None
        if self._local is None:
            from flowplan.store.file_watch import on_local_file_system

            self._local = on_local_file_system(self.root)
        if not self._local:
            return None
        folder = os.path.join(self.root, content_hash[:2])
        with _WATCHED.lock:
            watch = _WATCHED.folder_watch()
            if watch is None:
                return None
            # Older changes first: a look at the queue that finds the path changed stops
            # every watch, this folder's too, and forgets the reads under way.
            _WATCHED.catch_up()
            if not watch.watch(folder):
                return None
            token = _WATCHED.reading[content_hash] = object()
            return token

    def _vouch(self, content_hash: str, token: object) -> bool:
        """Vouch for the file by the watch of its folder, unless a change was reported since
        :meth:`reading` gave ``token``."""
        with _WATCHED.lock:
            if _WATCHED.reading.get(content_hash) is not token:
                return False
            del _WATCHED.reading[content_hash]
            if len(_WATCHED.files) >= LIMIT:
                del _WATCHED.files[next(iter(_WATCHED.files))]
            _WATCHED.files.setdefault(content_hash, set()).add(self.root)
            return True

    def read_at(self) -> int:
        """The clock reading to pass to :meth:`matched` with a status read now."""
        return time.time_ns()

    def matched(
        self,
        content_hash: str,
        path: str,
        stat: os.stat_result,
        read_at: int,
        token: object | None = None,
    ) -> None:
        """The content of ``path`` matched ``content_hash``; ``stat`` is its status read at
        ``read_at`` (:meth:`read_at`) and ``token`` what :meth:`reading` returned, both before
        its content was read."""
        if token is not None and self._vouch(content_hash, token):
            return
        if read_at - max(stat.st_ctime_ns, stat.st_mtime_ns) < SETTLED * 1e9:
            return  # changed moments ago: a change in the same clock tick could keep its times
        with self._lock:
            self._status.pop(content_hash, None)
            self._status[content_hash] = (path, status_of(stat))
            if len(self._status) > LIMIT:
                del self._status[next(iter(self._status))]

    def forget(self, content_hash: str) -> None:
        with self._lock:
            self._status.pop(content_hash, None)
        with _WATCHED.lock:
            _WATCHED.files.pop(content_hash, None)
