"""JSON encoding of artifact values (DESIGN decision 8).

Plain JSON values (``dict``/``list``/``str``/``int``/``float``/``bool``/``None``, nested, with
string keys and finite floats) under a plain or absent annotation take a fast path through
the standard library.  Anything else goes through ``pydantic.TypeAdapter`` for the annotated
type (or, without an annotation, the value's own type), and is accepted only when loading the
dumped JSON gives back a value equal to the original -- the check that decides between JSON
and the pickle fallback.  pydantic is imported only when that path is taken.
"""

from __future__ import annotations

import functools
import json
import math
import typing
from collections.abc import Callable
from json.encoder import encode_basestring
from typing import TYPE_CHECKING, Any

from flowplan.store.typespec import format_type, is_recordable

if TYPE_CHECKING:
    from pydantic import TypeAdapter

#: Types whose JSON is loaded by ``json.loads`` as is.
PLAIN_TYPES: frozenset[Any] = frozenset(
    {dict, list, str, int, float, bool, type(None), None, typing.Any, object}
)
_UNANNOTATED: frozenset[Any] = frozenset({None, typing.Any, object})
_PLAIN_NAMES: dict[Any, str] = {tp: tp.__name__ for tp in (dict, list, str, int, float, bool)}
#: Recorded types whose JSON :func:`decode` loads with ``json.loads`` as is.
PLAIN_TYPE_NAMES = frozenset({*_PLAIN_NAMES.values(), "None"})


def is_plain_type(tp: Any) -> bool:
    try:
        return tp in PLAIN_TYPES
    except TypeError:  # unhashable annotation objects
        return False


def is_unannotated(tp: Any) -> bool:
    try:
        return tp in _UNANNOTATED
    except TypeError:
        return False


def is_plain_json(value: Any) -> bool:
    """True for nested dict/list/str/int/float/bool/None with str keys and finite floats,
    without a list or dict that contains itself (JSON has no way to write it)."""
    stack: list[Any] = [value]
    inside: set[int] = set()  # the lists and dicts on the way from ``value`` to ``item``
    while stack:
        item = stack.pop()
        kind = type(item)
        if kind is str or kind is int or kind is bool or item is None:
            continue
        if kind is float:
            if not math.isfinite(item):
                return False
        elif kind is _Leave:
            inside.discard(item.container)
        elif kind is list or kind is dict:
            if id(item) in inside:
                return False
            if kind is dict and any(type(key) is not str for key in item):
                return False
            inside.add(id(item))
            stack.append(_Leave(id(item)))
            stack.extend(item if kind is list else item.values())
        else:
            return False
    return True


class _Leave:
    """Where :func:`is_plain_json`'s walk leaves a list or dict (by its ``id``)."""

    __slots__ = ("container",)

    def __init__(self, container: int) -> None:
        self.container = container


def _not_plain(value: Any) -> Any:
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _plain_encoder() -> Callable[[Any], str]:
    """``JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode``,
    its C encoder made once (``encode`` makes one per call) for values that
    :func:`is_plain_json` accepted (no cycles: none is checked for)."""
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:  # (a Python without the accelerator)
        encoder = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        return encoder.encode
    chunks = make(None, _not_plain, encode_basestring, None, ":", ",", False, False, False)
    return lambda value: "".join(chunks(value, 0))


_encode_plain = _plain_encoder()


def _scalar_text(value: Any) -> str | None:
    """What the plain encoder writes for a lone ``int``/``str``/``bool``/``None``/finite
    ``float`` (the same text, without its machinery: most outputs are one of these), else
    ``None``."""
    kind = type(value)
    if kind is int:
        return int.__repr__(value)  # ValueError beyond the int/str conversion limit
    if kind is str:
        return encode_basestring(value)
    if kind is bool:
        return "true" if value else "false"
    if value is None:
        return "null"
    if kind is float and math.isfinite(value):
        return float.__repr__(value)
    return None


def encode(value: Any, annotation: Any = None) -> tuple[bytes, str] | None:
    """``(json bytes, recorded type)`` when ``value`` round-trips through JSON, else ``None``."""
    try:
        plain_annotation = annotation in PLAIN_TYPES  # (is_plain_type, one call less)
    except TypeError:  # unhashable annotation objects
        plain_annotation = False
    if plain_annotation:
        try:
            text = _scalar_text(value)
            if text is None and is_plain_json(value):
                text = _encode_plain(value)
            if text is not None:
                plain = type(value) if annotation in _UNANNOTATED else annotation
                return text.encode(), _PLAIN_NAMES.get(plain) or format_type(plain)
        except ValueError:  # an int beyond Python's int/str conversion limit, a lone surrogate
            return None
    candidates = [] if is_unannotated(annotation) else [annotation]
    if type(value) not in candidates:
        candidates.append(type(value))
    for tp in candidates:
        data = _roundtrip(value, tp)
        if data is not None:
            return data, format_type(tp)
    return None


def decode(data: bytes, data_type: Any) -> Any:
    """Load JSON written by :func:`encode` as ``data_type`` (plain JSON when ``None``)."""
    if data_type is None or is_plain_type(data_type):
        return json.loads(data)
    adapter = adapter_for(data_type)
    if adapter is None:
        raise TypeError(f"pydantic cannot build a schema for `{format_type(data_type)}`")
    return adapter.validate_json(data)


def _roundtrip(value: Any, tp: Any) -> bytes | None:
    if not _recordable(tp):
        return None
    adapter = adapter_for(tp)
    if adapter is None:
        return None
    try:
        data = adapter.dump_json(value, warnings="error")
        same = adapter.validate_json(data) == value
        return data if bool(same) else None
    except Exception:  # any failure to dump, load or compare means "not JSON"
        return None


def _recordable(tp: Any) -> bool:
    try:
        return _recordable_cached(tp)
    except TypeError:  # unhashable annotation
        return is_recordable(tp)


@functools.lru_cache(maxsize=512)
def _recordable_cached(tp: Any) -> bool:
    return is_recordable(tp)


def adapter_for(tp: Any) -> TypeAdapter[Any] | None:
    """A cached ``TypeAdapter`` for ``tp``, or ``None`` when pydantic has no schema for it."""
    try:
        return _cached_adapter(tp)
    except TypeError:  # unhashable annotation: build it uncached
        return _build_adapter(tp)


@functools.lru_cache(maxsize=512)
def _cached_adapter(tp: Any) -> TypeAdapter[Any] | None:
    return _build_adapter(tp)


def _build_adapter(tp: Any) -> TypeAdapter[Any] | None:
    from pydantic import PydanticUserError, TypeAdapter
    from pydantic.errors import PydanticSchemaGenerationError

    try:
        return TypeAdapter(tp)
    except (PydanticSchemaGenerationError, PydanticUserError, TypeError, NameError):
        return None
