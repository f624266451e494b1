"""Content-addressed artifact files: ``<home>/artifacts/<first 2 hex>/<sha256>``.

A file is written once, atomically (temporary file in the same folder, written, fsync'd,
then renamed over its final name), and never changed afterwards, so a reader sees either
nothing or the whole content.  A run's writer may defer the fsync (``sync=False``) and make
a whole group of new files durable at once, before it commits the group's metadata
(:meth:`ArtifactStore.sync_written`).  Its metadata (name, version, type, materializer) lives in
the SQLite database, whose rows are written only after the file is complete: a crash at
any moment leaves at worst an unreferenced file, never a row without its file.

The folder is not fsync'd after the rename.  That guards only against a power failure in
the instant after a write, the same window the database accepts with ``synchronous=NORMAL``;
a killed process loses nothing, and every reader checks that a file exists and matches its
hash (``FP503``), so a lost rename cannot be served as a wrong value.
"""

from __future__ import annotations

import contextlib
import io
import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

from flowplan.diagnostics import StoreError
from flowplan.digests import sha256, sha256_hex
from flowplan.env import host_name
from flowplan.messages import runtime
from flowplan.store.checked_files import CheckedFiles

ARTIFACTS_DIRNAME = "artifacts"
SYNCFS_FROM = 2  # new files synced together with one syncfs (fewer: fsync each)
CHUNK = 1 << 20  # bytes read at a time when a large file is hashed
_INCOMING = "incoming"  # large contents being written, before their hash names them
RECENT_ITEM = 1 << 20  # bytes: contents up to this size are kept in memory once hashed
RECENT_TOTAL = 32 << 20  # bytes kept in memory in all
HASHED_ITEM = 1 << 12  # bytes: the hash of contents up to this size is found by content
_ENTRY_COST = 256  # bytes of memory each content kept costs besides itself (keys, entries)
_HEX = "0123456789abcdef"


def is_content_hash(text: str) -> bool:
    """Whether ``text`` is a SHA-256 hex digest as the store writes it (64 of ``[0-9a-f]``);
    a string method, where a pattern would be compiled by every process that imports this."""
    return len(text) == 64 and not text.strip(_HEX)
_TEMP_PREFIX = ".tmp-"
# Which machine wrote a temporary file (its pid means something only there).
_HOST_TAG = sha256_hex(host_name().encode())[:8]


class ArtifactStore:
    """Immutable, content-addressed byte blobs in one folder."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._root = str(self.root)
        self._prefix = os.path.join(self._root, "")  # the root and one separator
        self._made_dirs: set[str] = set()
        self._unsynced: set[str] = set()
        self._unsynced_lock = threading.Lock()
        self._syncing = threading.Lock()
        # Small contents this process wrote or read and hashed itself: loading them again (the
        # next step's input) needs neither the file nor a second hash.
        self._recent: dict[str, bytes] = {}
        self._recent_size = 0
        # The hashes (and file paths) of the small ones among them, by content: writing such a
        # content again (the same output, run after run) needs no second hash.
        self._hashes: dict[bytes, tuple[str, str]] = {}
        self._checked = CheckedFiles(self._root)  # files whose content matched, by their status

    def path_for(self, content_hash: str) -> Path:
        """Where the artifact with this SHA-256 hex digest lives (whether or not it does)."""
        if not is_content_hash(content_hash):
            raise StoreError(
                runtime.not_a_content_hash(content_hash)
            )
        return self.root / content_hash[:2] / content_hash

    def _file(self, content_hash: str) -> str:
        """:meth:`path_for` as text (what each read of an artifact asks for)."""
        if not is_content_hash(content_hash):
            return str(self.path_for(content_hash))  # raises
        return os.path.join(self._root, content_hash[:2], content_hash)

    def exists(self, content_hash: str) -> bool:
        return self.path_for(content_hash).is_file()

    def put_bytes(self, data: bytes, *, sync: bool = True) -> tuple[str, str]:
        """Store ``data``; return ``(content_hash, uri)``.  Writing the same bytes twice is free.

        ``sync=False`` leaves the new file to :meth:`sync_written`."""
        known = self._hashes.get(data) if type(data) is bytes else None
        if known is None:
            content_hash = sha256_hex(data)
            target = f"{self._prefix}{content_hash[:2]}{os.sep}{content_hash}"
        else:
            content_hash, target = known
        if not os.access(target, os.F_OK):  # one call (a file already there: done)
            self._write_atomically(os.path.dirname(target), target, data, sync)
            if not sync:
                with self._unsynced_lock:
                    self._unsynced.add(target)
        if known is None:
            self._remember(content_hash, data, target)
        return content_hash, target

    def put_stream(
        self, write: Callable[[BinaryIO], None], *, sync: bool = True
    ) -> tuple[str, str]:
        """Store what ``write`` writes (into a seekable file: it may go back and rewrite what
        it wrote); return ``(content_hash, uri)``.  A small content is kept in memory and
        stored as :meth:`put_bytes` does; a large one goes to a temporary file as it is
        written, is hashed by reading the file back in chunks, and is renamed to its name --
        never held in memory whole."""
        spool = _Spool(self._open_temp, RECENT_ITEM)
        try:
            write(spool)  # type: ignore[arg-type]  # a file for what writers use of one
            if spool.file is None:
                return self.put_bytes(spool.memory.getvalue(), sync=sync)
            return self._finish_temp(spool.file, spool.temp, sync)
        except BaseException:
            spool.discard()
            raise

    def _open_temp(self) -> tuple[BinaryIO, str]:
        folder = os.path.join(self._root, _INCOMING)
        os.makedirs(folder, exist_ok=True)
        temp = os.path.join(folder, f"{_TEMP_PREFIX}{os.urandom(8).hex()}-{_HOST_TAG}-"
                                    f"{os.getpid()}-{os.urandom(4).hex()}")
        fd = os.open(temp, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
        return os.fdopen(fd, "w+b"), temp

    def _finish_temp(self, handle: BinaryIO, temp: str, sync: bool) -> tuple[str, str]:
        with handle:
            handle.flush()
            size = handle.tell()
            handle.seek(0)
            digest = sha256(more=size)
            while chunk := handle.read(CHUNK):
                digest.update(chunk)
            if sync:
                os.fsync(handle.fileno())
        content_hash = digest.hexdigest()
        folder = os.path.join(self._root, content_hash[:2])
        target = os.path.join(folder, content_hash)
        os.makedirs(folder, exist_ok=True)
        os.replace(temp, target)  # same file system; an identical file is replaced harmlessly
        if not sync:
            with self._unsynced_lock:
                self._unsynced.add(target)
        return content_hash, target

    def recent(self, content_hash: str) -> bytes | None:
        """The content of ``content_hash`` when this process wrote or checked it moments ago
        (what :meth:`open_verified` with ``recent=True`` serves first)."""
        return self._recent.get(content_hash)

    @contextlib.contextmanager
    def open_verified(self, content_hash: str, *, recent: bool = False) -> Iterator[BinaryIO]:
        """The content of ``content_hash`` to read from its start, once it has been checked
        against the hash (``FP503`` when missing or changed).  A small file is read whole (and
        remembered, as :meth:`get_bytes` does); a large one is read once in chunks to check
        it, then handed over as the open file -- never held in memory whole."""
        known = self._recent.get(content_hash) if recent else None
        if known is not None:
            yield io.BytesIO(known)
            return
        path = self.path_for(content_hash)
        try:
            handle = path.open("rb")
        except FileNotFoundError:
            raise StoreError(runtime.missing_artifact_file(content_hash, str(path))) from None
        with handle:
            if os.fstat(handle.fileno()).st_size <= RECENT_ITEM:
                data = verified(handle.read(), content_hash, str(path))
                self._remember(content_hash, data)
                yield io.BytesIO(data)
                return
            digest = sha256(more=os.fstat(handle.fileno()).st_size)
            while chunk := handle.read(CHUNK):
                digest.update(chunk)
            if digest.hexdigest() != content_hash:
                raise StoreError(
                    runtime.corrupt_artifact_file(digest.hexdigest(), content_hash, str(path))
                )
            handle.seek(0)
            yield handle

    def check(self, content_hash: str) -> None:
        """Raise ``FP503`` unless the file exists and matches its hash (the check of every
        cache hit, DESIGN decision 19).  A file whose status is the same as when this process
        last found its content matching costs one ``stat`` (:mod:`flowplan.store.checked_files`);
        another is read (a large one in chunks) and hashed."""
        if self._checked.unchanged(content_hash):
            return
        path = self._file(content_hash)
        token = self._checked.reading(content_hash)  # changes from now on are reported
        try:
            fd = os.open(path, os.O_RDONLY)
        except FileNotFoundError:
            raise StoreError(runtime.missing_artifact_file(content_hash, path)) from None
        try:
            read_at = self._checked.read_at()
            stat = os.fstat(fd)  # before the content: a later change shows in it
            data: bytes | None = None
            if stat.st_size <= RECENT_ITEM:
                parts = []
                while chunk := os.read(fd, CHUNK):
                    parts.append(chunk)
                data = b"".join(parts)
                digest = sha256_hex(data)
            else:
                hashing = sha256(more=stat.st_size)
                while chunk := os.read(fd, CHUNK):
                    hashing.update(chunk)
                digest = hashing.hexdigest()
        finally:
            os.close(fd)
        if digest != content_hash:
            with self.open_verified(content_hash):  # the careful read, which says what is wrong
                return
        if data is not None:
            self._remember(content_hash, data)
        self._checked.matched(content_hash, path, stat, read_at, token)

    def sync_written(self) -> None:
        """Make the files written with ``sync=False`` durable, with their folders: on Linux,
        several at once with one ``syncfs`` of the store's file system (each ``fsync`` waits
        for a commit of the file system's journal: one for the group instead of one per
        file); else, or when that fails, each file, then its folder."""
        with self._syncing:  # a caller returns only once files written before it are synced
            with self._unsynced_lock:
                paths, self._unsynced = self._unsynced, set()
            if not paths:
                return
            from flowplan.store import durable_files  # (loaded by the first run that syncs)

            if len(paths) >= SYNCFS_FROM and durable_files.syncfs(self._root):
                return
            for path in paths:
                durable_files.fsync(path)
            for folder in {os.path.dirname(p) for p in paths}:
                durable_files.fsync(folder)

    def discard(self, content_hash: str) -> None:
        """Delete the file of ``content_hash`` if its content no longer matches it (damaged
        outside flowplan), so that the next write of that content restores it."""
        path = self.path_for(content_hash)
        self._checked.forget(content_hash)
        try:
            verified(path.read_bytes(), content_hash, str(path))
        except StoreError:
            path.unlink(missing_ok=True)
        except OSError:
            return

    def get_bytes(self, content_hash: str, *, recent: bool = False) -> bytes:
        """The stored bytes, checked against their hash (``FP503`` when missing or changed).

        With ``recent``, contents this process wrote or checked moments ago come from memory
        (a run loading the outputs of its previous steps); otherwise the file itself is read
        and checked."""
        if recent:
            known = self._recent.get(content_hash)
            if known is not None:
                return known
        path = self._file(content_hash)
        try:
            with open(path, "rb") as handle:
                data = handle.read()
        except FileNotFoundError:
            raise StoreError(
                runtime.missing_artifact_file(content_hash, path)
            ) from None
        self._remember(content_hash, verified(data, content_hash, path))
        return data

    def _remember(self, content_hash: str, data: bytes, path: str = "") -> None:
        if len(data) > RECENT_ITEM or content_hash in self._recent:
            return
        with self._unsynced_lock:
            self._recent[content_hash] = data
            self._recent_size += len(data) + _ENTRY_COST
            if len(data) <= HASHED_ITEM and type(data) is bytes:
                self._hashes[data] = (content_hash, path or self._file(content_hash))
            while self._recent_size > RECENT_TOTAL:  # the oldest go first
                oldest = self._recent.pop(next(iter(self._recent)))
                self._recent_size -= len(oldest) + _ENTRY_COST
                if len(oldest) <= HASHED_ITEM:
                    self._hashes.pop(oldest, None)

    def _write_atomically(self, folder: str, target: str, data: bytes, sync: bool) -> None:
        if folder not in self._made_dirs:
            os.makedirs(folder, exist_ok=True)
            self._made_dirs.add(folder)
        name = (f"{_TEMP_PREFIX}{os.path.basename(target)[:16]}-{_HOST_TAG}-{os.getpid()}-"
                f"{os.urandom(4).hex()}")
        temp = os.path.join(folder, name)
        try:
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileNotFoundError:  # the folder was removed behind our back
            os.makedirs(folder, exist_ok=True)
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            view = memoryview(data)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            if sync:
                os.fsync(fd)
        except BaseException:
            os.close(fd)
            os.unlink(temp)
            raise
        os.close(fd)
        # Same folder, same file system: the rename is atomic.  A concurrent writer of the
        # same content replaces an identical file, which is harmless.
        os.replace(temp, target)

    def write_marker(self, name: str) -> None:
        """Leave the empty file ``.flowplan-stores/<name>`` (see :mod:`flowplan.store.identity`)."""
        folder = self.root / ".flowplan-stores"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / name).touch()

    def has_marker(self, name: str) -> bool:
        return (self.root / ".flowplan-stores" / name).is_file()

    def remove_stale_temp_files(self, alive: Callable[[int], bool] | None = None) -> int:
        """Delete temporary files left by writers that were killed mid-write; return the count.

        Without ``alive``, every temporary file goes: only do that when no other process is
        writing to the store.  With ``alive`` (whether a pid of this machine is running), only
        the files whose writer -- a process of this machine, named in the file's name -- has
        ended go, which is safe while others write.
        """
        removed = 0
        if not self.root.is_dir():
            return 0
        for temp in self.root.glob(f"*/{_TEMP_PREFIX}*"):
            if alive is not None and not _left_by_dead_writer(temp.name, alive):
                continue
            temp.unlink(missing_ok=True)
            removed += 1
        return removed


class _Spool:
    """A seekable writer that keeps up to ``limit`` bytes in memory and moves to a temporary
    file (``open_file``) once more is written."""

    def __init__(self, open_file: Callable[[], tuple[BinaryIO, str]], limit: int) -> None:
        self._open_file = open_file
        self._limit = limit
        self.memory = io.BytesIO()
        self.file: BinaryIO | None = None
        self.temp = ""

    def write(self, data: bytes | memoryview) -> int:
        if self.file is None:
            size = memoryview(data).nbytes
            if self.memory.tell() + size <= self._limit:
                return self.memory.write(data)
            self.file, self.temp = self._open_file()
            self.file.write(self.memory.getbuffer())
            self.file.seek(self.memory.tell())
            self.memory = io.BytesIO()
        return self.file.write(data)

    def seek(self, offset: int, whence: int = 0) -> int:
        return (self.file or self.memory).seek(offset, whence)

    def tell(self) -> int:
        return (self.file or self.memory).tell()

    def discard(self) -> None:
        if self.file is not None:
            self.file.close()
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.temp)


def _left_by_dead_writer(name: str, alive: Callable[[int], bool]) -> bool:
    fields = name[len(_TEMP_PREFIX):].split("-")
    if len(fields) != 4 or fields[1] != _HOST_TAG or not fields[2].isdigit():
        return False  # another machine's, or an older flowplan's: not ours to judge
    return not alive(int(fields[2]))


def verified(data: bytes, content_hash: str, where: str) -> bytes:
    """``data`` if it hashes to ``content_hash``; ``FP503`` naming ``where`` if it does not."""
    actual = sha256_hex(data)
    if actual != content_hash:
        raise StoreError(
            runtime.corrupt_artifact_file(actual, content_hash, where)
        )
    return data
