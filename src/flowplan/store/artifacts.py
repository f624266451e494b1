"""Content-addressed artifact files: ``<home>/artifacts/<first 2 hex>/<sha256>``.

A file is written once, atomically (temporary file in the same folder, written, fsync'd,
then renamed over its final name), and never changed afterwards, so a reader sees either
nothing or the whole content.  Its metadata (name, version, type, materializer) lives in
the SQLite database, whose rows are written only after the file is complete: a crash at
any moment leaves at worst an unreferenced file, never a row without its file.

The folder is not fsync'd after the rename.  That guards only against a power failure in
the instant after a write, the same window the database accepts with ``synchronous=NORMAL``;
a killed process loses nothing, and every reader checks that a file exists and matches its
hash (``FP503``), so a lost rename cannot be served as a wrong value.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from pathlib import Path

from flowplan import codes
from flowplan.diagnostics import StoreError

ARTIFACTS_DIRNAME = "artifacts"
_TEMP_PREFIX = ".tmp-"


class ArtifactStore:
    """Immutable, content-addressed byte blobs in one folder."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._root = str(self.root)
        self._made_dirs: set[str] = set()

    def path_for(self, content_hash: str) -> Path:
        """Where the artifact with this SHA-256 hex digest lives (whether or not it does)."""
        if len(content_hash) != 64 or not _is_hex(content_hash):
            raise StoreError(
                codes.make(
                    "FP503",
                    f"`{content_hash}` is not a SHA-256 content hash",
                    fix="pass the `content_hash` recorded for the artifact",
                )
            )
        return self.root / content_hash[:2] / content_hash

    def exists(self, content_hash: str) -> bool:
        return self.path_for(content_hash).is_file()

    def put_bytes(self, data: bytes) -> tuple[str, str]:
        """Store ``data``; return ``(content_hash, uri)``.  Writing the same bytes twice is free."""
        content_hash = hashlib.sha256(data).hexdigest()
        folder = os.path.join(self._root, content_hash[:2])
        target = os.path.join(folder, content_hash)
        if not os.path.exists(target):
            self._write_atomically(folder, target, data)
        return content_hash, target

    def get_bytes(self, content_hash: str) -> bytes:
        """The stored bytes, checked against their hash (``FP503`` when missing or changed)."""
        path = self.path_for(content_hash)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise StoreError(
                codes.make(
                    "FP503",
                    f"artifact file is missing (content hash {content_hash[:12]}…)",
                    path=str(path),
                    fix="the file was deleted outside flowplan; re-run the step that "
                    "produced it (its cache entry is ignored from now on)",
                )
            ) from None
        return verified(data, content_hash, str(path))

    def _write_atomically(self, folder: str, target: str, data: bytes) -> None:
        if folder not in self._made_dirs:
            os.makedirs(folder, exist_ok=True)
            self._made_dirs.add(folder)
        name = f"{_TEMP_PREFIX}{os.path.basename(target)[:16]}-{os.getpid()}-{secrets.token_hex(4)}"
        temp = os.path.join(folder, name)
        try:
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileNotFoundError:  # the folder was removed behind our back
            os.makedirs(folder, exist_ok=True)
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        try:
            view = memoryview(data)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            os.fsync(fd)
        except BaseException:
            os.close(fd)
            os.unlink(temp)
            raise
        os.close(fd)
        # Same folder, same file system: the rename is atomic.  A concurrent writer of the
        # same content replaces an identical file, which is harmless.
        os.replace(temp, target)

    def remove_stale_temp_files(self) -> int:
        """Delete temporary files left by writers that were killed mid-write; return the count.

        Only call this when no other process is writing to the store.
        """
        removed = 0
        if not self.root.is_dir():
            return 0
        for temp in self.root.glob(f"*/{_TEMP_PREFIX}*"):
            temp.unlink(missing_ok=True)
            removed += 1
        return removed


def _is_hex(text: str) -> bool:
    return all(c in "0123456789abcdef" for c in text)


def verified(data: bytes, content_hash: str, where: str) -> bytes:
    """``data`` if it hashes to ``content_hash``; ``FP503`` naming ``where`` if it does not."""
    actual = hashlib.sha256(data).hexdigest()
    if actual != content_hash:
        raise StoreError(
            codes.make(
                "FP503",
                f"artifact file is corrupt: its content hashes to {actual[:12]}…, "
                f"expected {content_hash[:12]}…",
                path=where,
                fix="the file was changed or truncated outside flowplan; delete it and "
                "re-run the step that produced it",
            )
        )
    return data
