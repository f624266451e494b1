"""The local stack's store: one folder holding artifact files, ``flowplan.db`` and the key
that signs pickles (DESIGN decision 11)::

    <home>/artifacts/ab/abcdef…   content-addressed artifact files
    <home>/flowplan.db            runs, steps, artifact versions, cache index, snapshots
    <home>/secret.key             pickle signing key (0600), created when first needed

With ``artifact-url`` (``FLOWPLAN_ARTIFACT_URL``) set, new artifact files go to that fsspec URL
instead of ``<home>/artifacts`` (see :mod:`flowplan.store.remote`); the database and the key
stay in the home folder.

Importing this module is cheap: pydantic and cloudpickle are imported only when a value
needs them.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any
from uuid import UUID

from flowplan.diagnostics import Diagnostic
from flowplan.store.artifact_io import ArtifactIO, SavedOutput
from flowplan.store.artifacts import ARTIFACTS_DIRNAME, ArtifactStore
from flowplan.store.identity import store_id
from flowplan.store.location import DB_FILENAME, prepare_home, resolve_home
from flowplan.store.pickling import load_or_create_key
from flowplan.store.records import ArtifactRecord
from flowplan.store.remote import configured_url

if TYPE_CHECKING:
    from flowplan.store.db import MetadataStore

__all__ = ["LocalStore", "SavedOutput"]


class LocalStore(ArtifactIO):
    """Artifact files + metadata database + pickle key, under one home folder."""

    def __init__(
        self,
        home: Path,
        *,
        busy_timeout: float = 30.0,
        artifact_url: str | None = None,
        metadata_now: bool = True,
    ) -> None:
        """``metadata_now=False`` opens the database when :attr:`metadata` is first asked
        for (a worker process, which writes artifacts but no run metadata, may never)."""
        self.home = Path(home)
        self.writable = prepare_home(self.home)
        self._key: bytes | None = None
        self._key_lock = threading.Lock()
        self._busy_timeout = busy_timeout
        self._metadata: MetadataStore | None = None
        self._metadata_lock = threading.Lock()
        super().__init__(ArtifactStore(self.home / ARTIFACTS_DIRNAME), artifact_url, self._read_key)
        if metadata_now:
            self._metadata = self._open_metadata()

    @property
    def metadata(self) -> MetadataStore:
        """The metadata database (opened, and its schema checked, on first use at the latest)."""
        metadata = self._metadata
        if metadata is None:
            with self._metadata_lock:
                if self._metadata is None:
                    self._metadata = self._open_metadata()
                metadata = self._metadata
        return metadata

    def _open_metadata(self) -> MetadataStore:
        from flowplan.store.db import MetadataStore  # (and sqlite3: not in a worker process)

        return MetadataStore(
            self.home / DB_FILENAME,
            busy_timeout=self._busy_timeout,
            artifact_exists=self.artifact_exists,
            read_only=not self.writable,
        )

    @classmethod
    def open(
        cls,
        home: Path | None = None,
        *,
        busy_timeout: float = 30.0,
        artifact_url: str | None = None,
        metadata_now: bool = True,
    ) -> LocalStore:
        """The store at ``home``, else at :func:`~flowplan.store.location.resolve_home`; new
        artifact files go to ``artifact_url``, else to the project's ``artifact-url``."""
        if artifact_url is None:
            artifact_url = configured_url()
        return cls(
            home if home is not None else resolve_home(),
            busy_timeout=busy_timeout,
            artifact_url=artifact_url,
            metadata_now=metadata_now,
        )

    @classmethod
    def for_runs(cls) -> LocalStore:
        """The store a run of this process uses: :meth:`open` for the home and artifact URL
        resolved now (DESIGN decision 11), reused by the next run while they resolve the same
        and the same database file is in place and writable (so a run opens no connection and
        reads no schema).  Only the last one is kept."""
        home, url = resolve_home(), configured_url()
        key = (home, url, _identity(home / DB_FILENAME))
        with _FOR_RUNS_LOCK:
            last = _FOR_RUNS.get(os.getpid())
        if last is not None and last[0] == key and key[2] is not None and _writable(home):
            return last[1]
        store = cls(home, artifact_url=url)
        if store.writable:
            key = (home, url, _identity(home / DB_FILENAME))
            with _FOR_RUNS_LOCK:
                _FOR_RUNS.clear()
                _FOR_RUNS[os.getpid()] = (key, store)
        return store

    def pickle_key(self) -> bytes:
        """The key that signs this store's pickles (it never leaves this machine)."""
        return self._read_key()

    def store_id(self) -> str:
        """This store's identity (see :mod:`flowplan.store.identity`)."""
        return store_id(self.home)

    def _read_key(self) -> bytes:
        """The key that signs this store's pickles (read, or created, on first use)."""
        with self._key_lock:
            if self._key is None:
                self._key = load_or_create_key(self.home)
            return self._key

    def write_artifact(
        self,
        name: str,
        value: Any,
        annotation: Any = None,
        *,
        step_run_id: UUID | str | None = None,
        output_name: str | None = None,
        materializer_path: str | None = None,
    ) -> tuple[ArtifactRecord, tuple[Diagnostic, ...]]:
        """Save a value and record it as the next version of artifact ``name`` (file first)."""
        saved = self.save_output(value, annotation, materializer_path)
        record = self.metadata.record_artifact(
            name,
            saved.uri,
            saved.content_hash,
            saved.data_type,
            saved.materializer,
            step_run_id,
            output_name,
        )
        return record, saved.warnings

    def close(self) -> None:
        if self._metadata is not None:
            self._metadata.close()


# The store the last run of this process used, by pid (a forked child opens its own).
_FOR_RUNS: dict[int, tuple[tuple[Path, str | None, tuple[int, int] | None], LocalStore]] = {}
_FOR_RUNS_LOCK = threading.Lock()


def _identity(path: Path) -> tuple[int, int] | None:
    """Which file ``path`` is (device and inode), None when there is none."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    return info.st_dev, info.st_ino


def _writable(home: Path) -> bool:
    return os.access(home, os.W_OK | os.X_OK)
