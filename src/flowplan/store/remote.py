"""Content-addressed artifact files behind an fsspec URL (``s3://bucket/prefix``, ``gs://…``,
``file:///shared/folder``): the artifact store that Dask workers on other machines can reach.

The layout and the guarantees are those of the local folder (:mod:`flowplan.store.artifacts`):
``<url>/<first 2 hex>/<sha256>``, each file written once and never changed, every read
checked against its hash (``FP503``).  A write is atomic: object stores (S3, GCS, Azure, memory)
publish an object only when its upload completes; on file systems the bytes go to a temporary
file next to the target, which is then renamed over it.

The URL is ``artifact-url`` in ``[tool.flowplan]`` or ``FLOWPLAN_ARTIFACT_URL``; a plain path is
taken as ``file://``.  Records keep the full URL of their file, so a store opened without the
setting still loads artifacts written under it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flowplan.diagnostics import ConfigError, StoreError
from flowplan.digests import sha256_hex
from flowplan.messages import runtime, settings
from flowplan.store.artifacts import verified

#: Protocols whose uploads appear all at once (no temporary object needed).
_ATOMIC_PUT = frozenset({"s3", "s3a", "gs", "gcs", "az", "abfs", "abfss", "adl", "memory"})
#: Protocols whose files live in one process's memory: no other process can read them.
PROCESS_LOCAL = frozenset({"memory"})
_TEMP_PREFIX = ".tmp-"


def configured_url() -> str | None:
    """``FLOWPLAN_ARTIFACT_URL``, else ``artifact-url`` of ``[tool.flowplan]``, else None
    (a project without that table is not parsed)."""
    from flowplan.env import env_value
    from flowplan.project import find_project_root, has_project_table

    if env_value("ARTIFACT_URL") is None and not has_project_table(find_project_root()):
        return None
    from flowplan.project import current_settings

    return current_settings().artifact_url or None


def is_url(location: str) -> bool:
    """True for ``scheme://…`` (an fsspec location), False for a plain file path."""
    scheme, sep, _ = location.partition("://")
    return bool(sep) and scheme.replace("+", "").replace("-", "").isalnum()


def normalise_url(location: str) -> str:
    """``location`` as a URL without a trailing slash (a plain path becomes ``file://``)."""
    if not is_url(location):
        return Path(location).expanduser().resolve().as_uri()
    return location.rstrip("/")


def base_of(uri: str) -> str:
    """The store URL that an artifact file URL ``<base>/<ab>/<hash>`` lives under."""
    return uri.rsplit("/", 2)[0]


class RemoteArtifactStore:
    """Immutable, content-addressed byte blobs under an fsspec URL."""

    def __init__(self, url: str) -> None:
        self.url = normalise_url(url)
        self.fs, self._root = _filesystem(self.url)
        protocol = self.fs.protocol
        protocols = {protocol} if isinstance(protocol, str) else set(protocol)
        self._atomic_put = bool(protocols & _ATOMIC_PUT)
        self.process_local = bool(protocols & PROCESS_LOCAL)

    def uri_for(self, content_hash: str) -> str:
        return f"{self.url}/{content_hash[:2]}/{content_hash}"

    def _path(self, content_hash: str) -> str:
        if len(content_hash) != 64 or any(c not in "0123456789abcdef" for c in content_hash):
            raise StoreError(
                runtime.not_a_content_hash(content_hash)
            )
        return f"{self._root}/{content_hash[:2]}/{content_hash}"

    def exists(self, content_hash: str) -> bool:
        try:
            return bool(self.fs.exists(self._path(content_hash)))
        except OSError:
            return False

    def put_bytes(self, data: bytes, *, sync: bool = True) -> tuple[str, str]:
        """Store ``data``; return ``(content_hash, uri)``.  Writing the same bytes twice is free.

        A remote file is durable once written (``sync`` is for local folders)."""
        content_hash = sha256_hex(data)
        target = self._path(content_hash)
        try:
            if not self.fs.exists(target):
                self._write_atomically(target, data)
        except OSError as exc:
            raise StoreError(
                runtime.artifact_write_failed(self.url, exc, self.uri_for(content_hash))
            ) from exc
        return content_hash, self.uri_for(content_hash)

    def _write_atomically(self, target: str, data: bytes) -> None:
        if self._atomic_put:
            self.fs.pipe_file(target, data)
            return
        folder = target.rsplit("/", 1)[0]
        self.fs.makedirs(folder, exist_ok=True)
        import secrets

        token = f"{os.getpid()}-{secrets.token_hex(4)}"
        temp = f"{folder}/{_TEMP_PREFIX}{target.rsplit('/', 1)[1][:16]}-{token}"
        try:
            self.fs.pipe_file(temp, data)
            self.fs.mv(temp, target)
        except BaseException:
            if self.fs.exists(temp):
                self.fs.rm_file(temp)
            raise

    def write_marker(self, name: str) -> None:
        """Leave the empty file ``.flowplan-stores/<name>`` (see :mod:`flowplan.store.identity`)."""
        try:
            self.fs.makedirs(f"{self._root}/.flowplan-stores", exist_ok=True)
            self.fs.pipe_file(f"{self._root}/.flowplan-stores/{name}", b"")
        except OSError as exc:
            marker = f"{self.url}/.flowplan-stores/{name}"
            raise StoreError(runtime.artifact_write_failed(self.url, exc, marker)) from exc

    def has_marker(self, name: str) -> bool:
        try:
            return bool(self.fs.exists(f"{self._root}/.flowplan-stores/{name}"))
        except OSError:
            return False

    def get_bytes(self, content_hash: str) -> bytes:
        """The stored bytes, checked against their hash (``FP503`` when missing or changed)."""
        path = self._path(content_hash)
        uri = self.uri_for(content_hash)
        try:
            data: bytes = self.fs.cat_file(path)
        except FileNotFoundError:
            raise StoreError(
                runtime.missing_artifact_file(content_hash, uri, cache_note=False)
            ) from None
        except OSError as exc:
            raise StoreError(
                runtime.artifact_read_failed(exc, uri)
            ) from exc
        return verified(data, content_hash, uri)


def _filesystem(url: str) -> tuple[Any, str]:
    """The fsspec file system and root path of ``url`` (``FP304`` when it cannot be used)."""
    try:
        from fsspec.core import url_to_fs
    except ImportError:
        raise ConfigError(
            settings.fsspec_not_installed(url)
        ) from None
    try:
        fs, root = url_to_fs(url)
    except (ImportError, ValueError) as exc:
        raise ConfigError(
            settings.unusable_artifact_url(url, exc)
        ) from None
    return fs, str(root).rstrip("/")
