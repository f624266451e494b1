"""Materializers turn step outputs into bytes and back; the artifact store owns the files.

Choice, for one output (:func:`materialize`): the output's own materializer
(``"module:Class"``), else one registered for the value's type or the annotated type (by MRO),
else JSON when the value round-trips through it (:mod:`flowplan.store.jsoncodec`), else a
signed cloudpickle with an ``FP512`` warning.  Each artifact records the materializer's import
path and the type it was stored as, so loading picks the same materializer back.
"""

from __future__ import annotations

import abc
import importlib
import io
import sys
from collections.abc import Callable
from typing import Any, BinaryIO, ClassVar, NamedTuple

from flowplan.diagnostics import Diagnostic, StoreError
from flowplan.messages import store as store_messages
from flowplan.store import jsoncodec, pickling
from flowplan.store.pickling import Writable
from flowplan.store.typespec import describe_type

_STREAM_PROTOCOL = 5  # out-of-band-capable buffers: a large array is written without a copy


class BaseMaterializer(abc.ABC):
    """Subclass this, set ``ASSOCIATED_TYPES`` and ``NAME``, and implement ``save``/``load``.

    ``load`` receives the type the artifact was stored as (a class or a generic alias such as
    ``list[UUID]``), or ``None`` when it is unknown.
    """

    ASSOCIATED_TYPES: ClassVar[tuple[type, ...]] = ()
    NAME: ClassVar[str] = ""
    #: Whether ``load`` cannot do without the recorded type.  When False and the type cannot
    #: be imported in the loading process, ``load`` gets ``None``; when True, loading fails
    #: with ``FP511`` instead.
    USES_DATA_TYPE: ClassVar[bool] = False

    @abc.abstractmethod
    def save(self, value: Any) -> bytes:
        """The value as bytes."""

    @abc.abstractmethod
    def load(self, data: bytes, data_type: Any) -> Any:
        """The value stored by :meth:`save` as ``data``."""

    def save_to(self, value: Any, handle: Writable) -> None:
        """Write the value into ``handle`` (what :meth:`save` returns, unless overridden to
        write a large value as it goes)."""
        data = self.save(value)
        if not isinstance(data, bytes):
            raise StoreError(store_messages.save_not_bytes(materializer_path(type(self))))
        handle.write(data)

    def load_from(self, handle: BinaryIO, data_type: Any) -> Any:
        """The value read from ``handle`` (:meth:`load` of its whole content, unless
        overridden to read a large value as it goes)."""
        return self.load(handle.read(), data_type)


class BytesMaterializer(BaseMaterializer):
    ASSOCIATED_TYPES = (bytes,)
    NAME = "bytes"

    def save(self, value: Any) -> bytes:
        if not isinstance(value, bytes):
            raise TypeError(f"expected bytes, got {type(value).__name__}")
        return bytes(value)

    def load(self, data: bytes, data_type: Any) -> Any:
        return data

    def save_to(self, value: Any, handle: Writable) -> None:
        if not isinstance(value, bytes):
            raise TypeError(f"expected bytes, got {type(value).__name__}")
        handle.write(value)


class JsonMaterializer(BaseMaterializer):
    """JSON through pydantic for the annotated type (stdlib ``json`` for plain values)."""

    ASSOCIATED_TYPES = ()
    NAME = "json"
    USES_DATA_TYPE = True  # without it, a model would silently load as a dict

    def __init__(self, annotation: Any = None) -> None:
        self.annotation = annotation

    def save(self, value: Any) -> bytes:
        encoded = jsoncodec.encode(value, self.annotation)
        if encoded is None:
            raise TypeError(
                f"a `{describe_type(type(value))}` does not round-trip through JSON as "
                f"`{describe_type(self.annotation or type(value))}`"
            )
        return encoded[0]

    def load(self, data: bytes, data_type: Any) -> Any:
        return jsoncodec.decode(data, data_type)


class CloudpickleMaterializer(BaseMaterializer):
    """The last resort: cloudpickle, signed with the store's key (DESIGN decision 12).

    Without a key (a Dask worker away from the store), pickles are marked ``digest-checked``
    and opened only when ``digest_checked`` says the bytes matched their recorded hash."""

    ASSOCIATED_TYPES = (object,)
    NAME = "cloudpickle"

    def __init__(self, key: bytes | None, digest_checked: bool = False) -> None:
        self._key = key
        self._digest_checked = digest_checked

    # cloudpickle (and pickle) load with the first value that needs them
    def save(self, value: Any) -> bytes:
        import pickle

        from flowplan.store import cloudpickles

        body = cloudpickles.dumps(value, protocol=pickle.DEFAULT_PROTOCOL)
        return pickling.sign(body, self._key)

    def load(self, data: bytes, data_type: Any) -> Any:
        # raises FP504/FP505 before unpickling
        body = pickling.open_signed(data, self._key, digest_checked=self._digest_checked)
        from flowplan.store import cloudpickles

        return cloudpickles.loads(body, like=data_type)

    def save_to(self, value: Any, handle: Writable) -> None:
        """Pickled into the file as it goes (protocol 5: an array's buffer is written from
        where it lies, never copied into a pickle in memory first)."""
        from flowplan.store import cloudpickles

        pickling.sign_into(
            handle,  # type: ignore[arg-type]  # put_stream hands a seekable writer
            self._key,
            lambda body: cloudpickles.dump(value, body, protocol=_STREAM_PROTOCOL),
        )

    def load_from(self, handle: BinaryIO, data_type: Any) -> Any:
        # the signature is checked over the file (FP504/FP505) before anything is unpickled
        pickling.check_signed_file(handle, self._key, digest_checked=self._digest_checked)
        from flowplan.store import cloudpickles

        return cloudpickles.load(handle, like=data_type)


_REGISTRY: dict[type, type[BaseMaterializer]] = {bytes: BytesMaterializer}
JSON_PATH = f"{JsonMaterializer.__module__}:{JsonMaterializer.__qualname__}"


def register_materializer(type_: type, materializer_cls: type[BaseMaterializer]) -> None:
    """Store values of ``type_`` (and its subclasses) with ``materializer_cls``."""
    if not (isinstance(materializer_cls, type) and issubclass(materializer_cls, BaseMaterializer)):
        raise TypeError(f"{materializer_cls!r} is not a BaseMaterializer subclass")
    _REGISTRY[type_] = materializer_cls
    _FOUND.clear()


def materializer_for(value_or_type: Any, annotation: Any = None) -> type[BaseMaterializer] | None:
    """The registered materializer for a value's type (or a type), else the annotation's.

    ``None`` means the choice depends on the value: JSON when it round-trips, else cloudpickle.
    """
    kind = value_or_type if isinstance(value_or_type, type) else type(value_or_type)
    return _registered(kind, annotation)


def _registered(kind: type, annotation: Any) -> type[BaseMaterializer] | None:
    if _FOUND_IN[0] is not _REGISTRY:  # (a registry put in its place: a test's)
        _FOUND.clear()
        _FOUND_IN[0] = _REGISTRY
    try:
        found = _FOUND[kind]
    except KeyError:
        found = _by_mro(kind)
    if found is None and annotation is not kind and isinstance(annotation, type):
        return _by_mro(annotation)
    return found


def _by_mro(tp: type) -> type[BaseMaterializer] | None:
    """The materializer registered for ``tp`` or its nearest base (remembered by type)."""
    if tp in _FOUND:
        return _FOUND[tp]
    found = next((_REGISTRY[base] for base in tp.__mro__ if base in _REGISTRY), None)
    if len(_FOUND) >= _FOUND_KEPT:
        _FOUND.clear()
    _FOUND[tp] = found
    return found


# What _by_mro found, by type (cleared when a materializer is registered), in _FOUND_IN[0].
_FOUND: dict[type, type[BaseMaterializer] | None] = {}
_FOUND_IN = [_REGISTRY]
_FOUND_KEPT = 1024


def materializer_path(cls: type[BaseMaterializer]) -> str:
    return f"{cls.__module__}:{cls.__qualname__}"


def import_materializer(path: str) -> type[BaseMaterializer]:
    """The materializer class at ``"module:Class"`` (``FP511`` when it is not one)."""
    module_name, _, qualname = path.partition(":")
    known = _IMPORTED.get(path)
    if known is not None:
        current: object = getattr(sys.modules.get(module_name), qualname, None)
        if current is known:  # still the module's class (not reloaded since)
            return known
    try:
        obj: Any = importlib.import_module(module_name)
        for part in qualname.split(".") if qualname else ():
            obj = getattr(obj, part)
    except (ImportError, AttributeError, ValueError) as exc:
        raise StoreError(store_messages.materializer_not_importable(path, exc)) from exc
    if not (qualname and isinstance(obj, type) and issubclass(obj, BaseMaterializer)):
        raise StoreError(store_messages.not_a_materializer(path))
    _IMPORTED[path] = obj
    return obj


# Materializer classes by import path, once imported (each artifact load asks).
_IMPORTED: dict[str, type[BaseMaterializer]] = {}


#: The store's pickle signing key, or a function that reads (or creates) it when first needed;
#: ``no_key`` where the key is kept away (a Dask worker on another machine).
PickleKey = bytes | Callable[[], bytes | None]


def no_key() -> None:
    """The pickle key of a process that must not hold the store's key."""
    return None


def create_materializer(
    cls_or_path: type[BaseMaterializer] | str,
    *,
    pickle_key: PickleKey | None = None,
    digest_checked: bool = False,
) -> BaseMaterializer:
    """An instance of a materializer class; the pickle materializer gets the store's key
    (``digest_checked``: the bytes it will load were checked against their recorded hash)."""
    cls = import_materializer(cls_or_path) if isinstance(cls_or_path, str) else cls_or_path
    if issubclass(cls, CloudpickleMaterializer):
        if pickle_key is None:
            raise StoreError(store_messages.pickle_needs_key())
        key = pickle_key if isinstance(pickle_key, bytes) else pickle_key()
        return cls(key, digest_checked)
    try:
        return cls()
    except TypeError as exc:
        raise StoreError(
            store_messages.materializer_not_constructible(materializer_path(cls), exc)
        ) from exc


# (The functional form: class-form fields are text here, which NamedTuple compiles one by one.)
Materialized = NamedTuple("Materialized", [  # noqa: UP014
    ("data", bytes),  # empty when ``write`` writes the content instead
    ("materializer", str),  # import path, "module:Class"
    ("data_type", str),  # the type the value was stored as, see flowplan.store.typespec
    ("warnings", tuple[Diagnostic, ...]),
    ("write", Callable[[BinaryIO], None] | None),  # writes the content as it goes, or None
])


def materialize(
    value: Any,
    annotation: Any = None,
    materializer: str | None = None,
    *,
    pickle_key: PickleKey,
    streamed: bool = False,
) -> Materialized:
    """Turn one output into bytes with the materializer chosen as the module doc says; with
    ``streamed``, into a ``write`` function that writes them into a file as it goes (the
    caller's store calls it), except for JSON, which is encoded to choose it."""
    if annotation is not None and type(annotation) is not type:  # a plain class has no metadata
        annotation = _strip_annotated(annotation)
    cls = (
        import_materializer(materializer) if materializer else _registered(type(value), annotation)
    )
    if cls is not None:
        return _save_with(cls, value, annotation, pickle_key, streamed)
    encoded = jsoncodec.encode(value, annotation)
    if encoded is not None:
        return Materialized(encoded[0], JSON_PATH, encoded[1], (), None)
    return _save_with(CloudpickleMaterializer, value, annotation, pickle_key, streamed)


def _save_with(
    cls: type[BaseMaterializer], value: Any, annotation: Any, pickle_key: PickleKey,
    streamed: bool,
) -> Materialized:
    if cls is JsonMaterializer:
        encoded = jsoncodec.encode(value, annotation)
        if encoded is not None:
            return Materialized(encoded[0], JSON_PATH, encoded[1], (), None)
    instance = create_materializer(cls, pickle_key=pickle_key)
    pickled = issubclass(cls, CloudpickleMaterializer)
    stored_as = type(value) if pickled or jsoncodec.is_unannotated(annotation) else annotation
    type_name = describe_type(stored_as)
    warnings: tuple[Diagnostic, ...] = ()
    if pickled:
        warnings = (_pickle_warning(type_name),)

    def write(handle: BinaryIO) -> None:
        try:
            instance.save_to(value, handle)
        except StoreError:
            raise
        except Exception as exc:
            raise StoreError(store_messages.save_failed(
                cls.NAME or cls.__qualname__, describe_type(type(value)), exc)) from exc

    if streamed:
        return Materialized(b"", materializer_path(cls), type_name, warnings, write)
    buffer = io.BytesIO()
    write(buffer)
    return Materialized(buffer.getvalue(), materializer_path(cls), type_name, warnings, None)


def _pickle_warning(type_name: str) -> Diagnostic:
    return store_messages.pickled_output(type_name, pickling.python_version())


def _strip_annotated(annotation: Any) -> Any:
    while hasattr(annotation, "__metadata__") and hasattr(annotation, "__origin__"):
        annotation = annotation.__origin__
    return annotation


def unloadable_type(data_type: str, error: object) -> StoreError:
    """FP511: the recorded type of an artifact cannot be imported where it is loaded."""
    return StoreError(store_messages.unloadable_type(data_type, error))


def load_failed(materializer: str, error: Exception) -> StoreError:
    """FP511: a materializer raised while loading an artifact."""
    return StoreError(store_messages.load_failed(materializer, error))


__all__ = [
    "BaseMaterializer",
    "BytesMaterializer",
    "CloudpickleMaterializer",
    "JsonMaterializer",
    "Materialized",
    "PickleKey",
    "create_materializer",
    "import_materializer",
    "materialize",
    "materializer_for",
    "materializer_path",
    "register_materializer",
]
