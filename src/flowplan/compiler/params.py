"""Parameters must be JSON, or round-trip through pydantic for their annotation (decision 8)."""

from __future__ import annotations

import functools
import math
import types
import typing
from typing import Any

from flowplan.diagnostics import Diagnostic
from flowplan.messages import settings

_PLAIN = (str, int, float, bool, type(None))


class NotJson(Exception):
    """Raised internally with the path of the offending part of a value."""

    def __init__(self, where: str, value: object) -> None:
        super().__init__(where)
        self.where = where
        self.value = value


def plain_json(value: object, where: str = "") -> Any:
    """``value`` as plain JSON data (tuples become lists), or raise ``NotJson``."""
    if isinstance(value, _PLAIN):
        if isinstance(value, float) and not math.isfinite(value):
            raise NotJson(where, value)
        return value
    if isinstance(value, (list, tuple)):
        return [plain_json(v, f"{where}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if not isinstance(k, str):
                raise NotJson(f"{where} key {k!r}", k)
            out[k] = plain_json(v, f"{where}[{k!r}]")
        return out
    raise NotJson(where, value)


@functools.lru_cache(maxsize=1024)
def _cached_adapter(annotation: Any) -> Any:
    from pydantic import TypeAdapter

    return TypeAdapter(annotation)


def adapter_for(annotation: Any) -> Any | None:
    """A pydantic TypeAdapter for ``annotation``, or None when pydantic cannot build one."""
    try:
        return _cached_adapter(annotation)
    except TypeError:  # unhashable annotation: build it uncached
        from pydantic import TypeAdapter

        try:
            return TypeAdapter(annotation)
        except Exception:
            return None
    except Exception:
        return None


def _type_problems(
    value: object, annotation: object, owner: str, name: str,
    where: tuple[str | None, int | None, int | None],
) -> list[Diagnostic]:
    """FP306 when a JSON parameter does not validate against its annotation."""
    if annotation is None or annotation is Any or _plainly_fits(value, annotation):
        return []
    adapter = adapter_for(annotation)
    if adapter is None:
        return []
    from pydantic import ValidationError

    try:
        adapter.validate_python(value)
    except ValidationError as exc:
        first = exc.errors()[0]
        return [settings.parameter_type_mismatch(name, owner, value, _spelling(annotation),
                                                 first['msg'], where)]
    return []


_SCALARS = (int, float, str, bool)


def _plainly_fits(value: object, annotation: object) -> bool:
    """Whether a JSON value fits its annotation exactly -- scalars of exactly the annotated
    class (an int for a float), ``list[...]``, ``dict[str, ...]`` and ``X | None`` of those:
    cases pydantic always accepts, decided without importing it (most parameters)."""
    if annotation in _SCALARS:
        kind = type(value)
        return kind is annotation or (annotation is float and kind is int)
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is list and len(args) == 1:
        return isinstance(value, list) and all(_plainly_fits(v, args[0]) for v in value)
    if origin is dict and len(args) == 2 and args[0] is str:
        return isinstance(value, dict) and all(_plainly_fits(v, args[1]) for v in value.values())
    if (origin is typing.Union or origin is types.UnionType) and type(None) in args:
        return value is None or any(_plainly_fits(value, a) for a in args if a is not type(None))
    return False


def _spelling(annotation: object) -> str:
    return getattr(annotation, "__name__", None) or repr(annotation).replace("typing.", "")


def _pydantic_json(value: object, annotation: object) -> tuple[bool, Any]:
    from pydantic import ValidationError
    from pydantic_core import PydanticSerializationError

    adapter = adapter_for(annotation)
    if adapter is None:
        return False, None
    try:
        dumped = adapter.dump_python(value, mode="json", warnings=False)  # no raw UserWarning
        restored = adapter.validate_python(dumped)
    except (ValidationError, PydanticSerializationError, TypeError, ValueError):
        return False, None
    try:
        same = bool(restored == value)
    except Exception:
        same = False
    return same, dumped


def to_parameter(
    value: object,
    annotation: object,
    owner: str,
    name: str,
    where: tuple[str | None, int | None, int | None],
) -> tuple[Any, list[Diagnostic]]:
    """The JSON form of a parameter, or the FP301/FP302 diagnostics that refuse it."""
    if isinstance(value, (set, frozenset)):
        return None, [settings.parameter_is_set(name, owner, type(value).__name__, where)]
    try:
        json_value = plain_json(value)
    except NotJson as exc:
        bad, bad_where = exc.value, exc.where
    else:
        return json_value, _type_problems(value, annotation, owner, name, where)
    if annotation is not None and annotation is not Any:
        ok, dumped = _pydantic_json(value, annotation)
        if ok:
            return dumped, []
    part = f" (at {name}{bad_where})" if bad_where else ""
    if isinstance(bad, (set, frozenset)):
        return None, [settings.parameter_holds_set(name, owner, part, where)]
    return None, [settings.parameter_not_json(name, owner, type(bad).__name__, part, where)]
