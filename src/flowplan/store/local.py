"""The local stack's store: one folder holding artifact files, ``flowplan.db`` and the key
that signs pickles (DESIGN decision 11)::

    <home>/artifacts/ab/abcdef…   content-addressed artifact files
    <home>/flowplan.db            runs, steps, artifact versions, cache index, snapshots
    <home>/secret.key             pickle signing key (0600), created when first needed

Importing this module is cheap: pydantic and cloudpickle are imported only when a value
needs them.
"""

from __future__ import annotations

import threading
from dataclasses import replace
from pathlib import Path
from typing import Any, NamedTuple
from uuid import UUID

from flowplan import codes
from flowplan.diagnostics import Diagnostic, StoreError
from flowplan.store.artifacts import ARTIFACTS_DIRNAME, ArtifactStore
from flowplan.store.db import DB_FILENAME, MetadataStore
from flowplan.store.location import resolve_home
from flowplan.store.materializers import (
    BaseMaterializer,
    create_materializer,
    import_materializer,
    materialize,
)
from flowplan.store.pickling import load_or_create_key
from flowplan.store.records import ArtifactRecord
from flowplan.store.typespec import TypeSpecError, resolve_type


class SavedOutput(NamedTuple):
    content_hash: str
    uri: str
    data_type: str
    materializer: str
    warnings: tuple[Diagnostic, ...]


class LocalStore:
    """Artifact files + metadata database + pickle key, under one home folder."""

    def __init__(self, home: Path, *, busy_timeout: float = 30.0) -> None:
        self.home = Path(home)
        self.artifacts = ArtifactStore(self.home / ARTIFACTS_DIRNAME)
        self.metadata = MetadataStore(
            self.home / DB_FILENAME,
            busy_timeout=busy_timeout,
            artifact_exists=lambda record: self.artifacts.exists(record.content_hash),
        )
        self._key: bytes | None = None
        self._key_lock = threading.Lock()

    @classmethod
    def open(cls, home: Path | None = None, *, busy_timeout: float = 30.0) -> LocalStore:
        """The store at ``home``, else at :func:`~flowplan.store.location.resolve_home`."""
        return cls(home if home is not None else resolve_home(), busy_timeout=busy_timeout)

    def pickle_key(self) -> bytes:
        """The key that signs this store's pickles (read, or created, on first use)."""
        with self._key_lock:
            if self._key is None:
                self._key = load_or_create_key(self.home)
            return self._key

    def save_output(
        self, value: Any, annotation: Any = None, materializer_path: str | None = None
    ) -> SavedOutput:
        """Materialize one output and write its file; the caller then records its metadata.

        ``warnings`` holds ``FP512`` when the value fell back to cloudpickle.
        """
        result = materialize(value, annotation, materializer_path, pickle_key=self.pickle_key)
        content_hash, uri = self.artifacts.put_bytes(result.data)
        return SavedOutput(
            content_hash, uri, result.data_type, result.materializer, result.warnings
        )

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

    def load_artifact(self, record: ArtifactRecord, data_type: Any = None) -> Any:
        """The value of an artifact version, loaded by the materializer that stored it.

        ``data_type`` overrides the recorded type (e.g. the annotation of the consuming step
        input, when the recorded type cannot be imported here).
        """
        try:
            data = self.artifacts.get_bytes(record.content_hash)
            cls = import_materializer(record.materializer)
            materializer = create_materializer(cls, pickle_key=self.pickle_key)
            if data_type is None:
                data_type = _recorded_type(record, cls)
            return _load(materializer, data, data_type)
        except StoreError as exc:
            raise _about(record, exc) from exc.__cause__

    def close(self) -> None:
        self.metadata.close()


def _recorded_type(record: ArtifactRecord, cls: type[BaseMaterializer]) -> Any:
    try:
        return resolve_type(record.data_type)
    except TypeSpecError as exc:
        if not cls.USES_DATA_TYPE:
            return None
        raise StoreError(
            codes.make(
                "FP511",
                f"its type `{record.data_type}` cannot be imported here ({exc})",
                fix="import the module that defines the type first, or pass `data_type=` when "
                "loading; types defined in a script's `__main__` load only in that script",
            )
        ) from None


def _load(materializer: BaseMaterializer, data: bytes, data_type: Any) -> Any:
    try:
        return materializer.load(data, data_type)
    except StoreError:
        raise
    except Exception as exc:
        raise StoreError(
            codes.make(
                "FP511",
                f"materializer `{materializer.NAME or type(materializer).__qualname__}` could "
                f"not load it: {type(exc).__name__}: {exc}",
                fix="load it with the flowplan version and packages that wrote it, or re-run "
                "the step that produced it",
            )
        ) from exc


def _about(record: ArtifactRecord, error: StoreError) -> StoreError:
    """The same diagnostics, naming the artifact and pointing at its file."""
    prefix = f"artifact `{record.name}` (version {record.version}): "
    return type(error)(
        [
            replace(d, message=prefix + d.message, path=d.path or record.uri)
            for d in error.diagnostics
        ]
    )
