"""Artifact values in and out: materializers over content-addressed files, pickles signed
with the store's key -- everything a running step needs, and no run metadata.

A step's worker holds only this (a Dask worker on another machine has no database); the local
store (:class:`~flowplan.store.local.LocalStore`) adds the metadata.  New files go to
``artifacts``: the home's ``artifacts/`` folder, or the fsspec URL of ``artifact-url``.  A file
is read from where its record's ``uri`` says it is -- a URL, or the local folder -- so runs
written under either setting stay loadable.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any, BinaryIO, NamedTuple, Protocol

from flowplan.diagnostics import Diagnostic, StoreError
from flowplan.store import jsoncodec
from flowplan.store.artifacts import ArtifactStore
from flowplan.store.materializers import (
    JSON_PATH,
    BaseMaterializer,
    create_materializer,
    import_materializer,
    load_failed,
    materialize,
    unloadable_type,
)
from flowplan.store.records import ArtifactRecord
from flowplan.store.remote import RemoteArtifactStore, base_of, is_url
from flowplan.store.typespec import TypeSpecError, resolve_type


class Blobs(Protocol):
    """Immutable, content-addressed byte blobs (a local folder or an fsspec URL)."""

    def put_bytes(self, data: bytes, *, sync: bool = True) -> tuple[str, str]: ...

    def get_bytes(self, content_hash: str) -> bytes: ...

    def exists(self, content_hash: str) -> bool: ...

    def write_marker(self, name: str) -> None: ...

    def has_marker(self, name: str) -> bool: ...


# (The functional form: class-form fields are text here, which NamedTuple compiles one by one.)
SavedOutput = NamedTuple("SavedOutput", [  # noqa: UP014
    ("content_hash", str),
    ("uri", str),
    ("data_type", str),
    ("materializer", str),
    ("warnings", tuple[Diagnostic, ...]),
    ("name", str),  # the step's output it holds ("" when saved for no step output)
])
SavedOutput.__doc__ = (
    "One value saved: its content hash, location, type, materializer, the warnings saving "
    "it gave (FP512), and the step output it was saved for."
)


class ArtifactIO:
    """Saves step outputs and loads artifact values; ``local`` is the home's artifact folder
    when this process can reach it, ``url`` where new files go instead of it."""

    def __init__(
        self, local: ArtifactStore | None, url: str | None, pickle_key: Callable[[], bytes | None]
    ) -> None:
        self.local_artifacts = local
        self._remote: dict[str, RemoteArtifactStore] = {}
        self.artifacts: Blobs
        if url:
            self.artifacts = self._remote_store(url)
        elif local is not None:
            self.artifacts = local
        else:
            raise ValueError("an ArtifactIO needs a local folder or a URL")
        self._pickle_key = pickle_key
        self._local_target = self.artifacts if isinstance(self.artifacts, ArtifactStore) else None
        # Immutable values (a number, a short string) this process saved moments ago as plain
        # JSON, by uri (whose content alone then says what value it holds): the next step's
        # input, without decoding it again.
        self._scalars: dict[str, Any] = {}
        self._scalars_lock = threading.Lock()

    def pickle_key(self) -> bytes | None:
        """The key that signs this store's pickles (None on a Dask worker away from it)."""
        return self._pickle_key()

    def blobs_for(self, uri: str) -> Blobs:
        """Where the file of an artifact recorded at ``uri`` is read from."""
        if is_url(uri):
            return self._remote_store(base_of(uri))
        if self.local_artifacts is not None:
            return self.local_artifacts
        return ArtifactStore(Path(uri).parent.parent)

    def _remote_store(self, url: str) -> RemoteArtifactStore:
        store = self._remote.get(url)
        if store is None:
            store = self._remote[url] = RemoteArtifactStore(url)
        return store

    def artifact_exists(self, record: ArtifactRecord) -> bool:
        return self.blobs_for(record.uri).exists(record.content_hash)

    def save_output(
        self,
        value: Any,
        annotation: Any = None,
        materializer_path: str | None = None,
        *,
        sync: bool = True,
        name: str = "",
    ) -> SavedOutput:
        """Materialize one output (``name``, of a step) and write its file; the caller then
        records its metadata.

        ``warnings`` holds ``FP512`` when the value fell back to cloudpickle.  ``sync=False``
        leaves a new local file for the run's writer to make durable with its group.
        """
        local = self._local_target
        result = materialize(value, annotation, materializer_path, pickle_key=self.pickle_key,
                             streamed=local is not None)
        data = result.data
        if local is None:
            content_hash, uri = self.artifacts.put_bytes(data, sync=sync)
        elif result.write is not None:  # large values never held twice
            content_hash, uri = local.put_stream(result.write, sync=sync)
        else:
            content_hash, uri = local.put_bytes(data, sync=sync)
            if (type(value) in _SCALARS and result.materializer == JSON_PATH
                    and result.data_type in jsoncodec.PLAIN_TYPE_NAMES
                    and len(data) <= _SCALAR_BYTES):
                scalars = self._scalars
                scalars[uri] = value  # (one step of the interpreter: no lock needed)
                if len(scalars) > _SCALARS_KEPT:
                    self._forget_oldest_scalars()
        return SavedOutput(content_hash, uri, result.data_type, result.materializer,
                           result.warnings, name)

    def _forget_oldest_scalars(self) -> None:
        scalars = self._scalars
        with self._scalars_lock:
            while len(scalars) > _SCALARS_KEPT:
                del scalars[next(iter(scalars))]

    def _recent_input(self, record: ArtifactRecord) -> Any:
        """A step input that this process saved or checked moments ago, in plain JSON: a
        number or a string as it was saved, anything else decoded from the content in memory
        (``_NONE`` when it is not one)."""
        if record.materializer != JSON_PATH or record.data_type not in jsoncodec.PLAIN_TYPE_NAMES:
            return _NONE
        value = self._scalars.get(record.uri, _NONE)
        if value is not _NONE:
            return value
        local = self.local_artifacts
        data = None if local is None or is_url(record.uri) else local.recent(record.content_hash)
        if data is None:
            return _NONE
        try:
            return jsoncodec.decode(data, None)  # what JsonMaterializer.load does for plain JSON
        except ValueError:
            return _NONE  # (the materializer's path reports it)

    def load_artifact(
        self, record: ArtifactRecord, data_type: Any = None, *, recent: bool = False
    ) -> Any:
        """The value of an artifact version, loaded by the materializer that stored it.

        ``data_type`` overrides the recorded type (e.g. the annotation of the consuming step
        input, when the recorded type cannot be imported here).  ``recent``: a step's input,
        whose content this process may hold already (written or checked moments ago).
        """
        if recent and data_type is None:
            value = self._recent_input(record)
            if value is not _NONE:
                return value
        try:
            blobs = self.blobs_for(record.uri)
            cls = import_materializer(record.materializer)
            # the content is checked against the hash recorded with the artifact first
            materializer = create_materializer(
                cls, pickle_key=self.pickle_key, digest_checked=True
            )
            if data_type is None:
                data_type = _recorded_type(record, cls)
            if isinstance(blobs, ArtifactStore):  # a large file is read as it goes
                known = blobs.recent(record.content_hash) if recent else None
                if known is not None:
                    return _load(materializer, io.BytesIO(known), data_type)
                with blobs.open_verified(record.content_hash) as handle:
                    return _load(materializer, handle, data_type)
            data = blobs.get_bytes(record.content_hash)
            return _load(materializer, io.BytesIO(data), data_type)
        except StoreError as exc:
            raise _about(record, exc) from exc.__cause__


# Loaded from JSON as a plain type, these are equal to what was saved (and of its type), and
# immutable: the saved value itself can be handed to every step that reads it.
_SCALARS = frozenset({int, float, str, bool, type(None)})
_SCALAR_BYTES = 1024  # bytes of JSON at most (a longer string is decoded anew)
_SCALARS_KEPT = 4096
_NONE = object()


def _recorded_type(record: ArtifactRecord, cls: type[BaseMaterializer]) -> Any:
    try:
        return resolve_type(record.data_type)
    except TypeSpecError as exc:
        if not cls.USES_DATA_TYPE:
            return None
        raise unloadable_type(record.data_type, exc) from None


def _load(materializer: BaseMaterializer, handle: BinaryIO, data_type: Any) -> Any:
    try:
        return materializer.load_from(handle, data_type)
    except StoreError:
        raise
    except Exception as exc:
        name = materializer.NAME or type(materializer).__qualname__
        raise load_failed(name, exc) from exc


def _about(record: ArtifactRecord, error: StoreError) -> StoreError:
    """The same diagnostics, naming the artifact and pointing at its file."""
    prefix = f"artifact `{record.name}` (version {record.version}): "
    return type(error)(
        [
            replace(d, message=prefix + d.message, path=d.path or record.uri)
            for d in error.diagnostics
        ]
    )
