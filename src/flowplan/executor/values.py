"""Run-time checks of values against annotations, and parameters back from JSON."""

from __future__ import annotations

import types
import typing
from typing import Any

from flowplan.compiler.params import adapter_for

_NUMERIC = {float: (int, float), complex: (int, float, complex)}


def _strip(annotation: Any) -> Any:
    while typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    return annotation


def fits(value: object, annotation: Any) -> bool:
    """A shallow isinstance check of ``value`` against ``annotation`` (True when unsure)."""
    if type(annotation) is type:  # a plain class (no alias, no metaclass): most annotations
        numeric = _NUMERIC.get(annotation)
        if numeric is not None:
            return isinstance(value, numeric) and not isinstance(value, bool)
        return annotation is object or isinstance(value, annotation)
    annotation = _strip(annotation)
    if annotation is None or annotation is typing.Any or annotation is object:
        return True
    if annotation is type(None):
        return value is None
    origin = typing.get_origin(annotation)
    if origin is typing.Union or (hasattr(types, "UnionType") and origin is types.UnionType):
        return any(fits(value, arg) for arg in typing.get_args(annotation))
    if origin is typing.Literal:
        return value in typing.get_args(annotation)
    target = origin if origin is not None else annotation
    if not isinstance(target, type):
        return True
    if target in _NUMERIC:
        return isinstance(value, _NUMERIC[target]) and not isinstance(value, bool)
    try:
        return isinstance(value, target)
    except TypeError:
        return True


def parameter_value(json_value: Any, annotation: Any) -> Any:
    """A parameter as the step expects it: JSON data revived through pydantic when needed."""
    annotation = _strip(annotation)
    if annotation is None or annotation is typing.Any:
        return json_value
    if _plain(json_value) and isinstance(annotation, type) and fits(json_value, annotation):
        return json_value
    adapter = adapter_for(annotation)
    if adapter is None:  # an annotation pydantic cannot build: hand over the JSON value as is
        return json_value
    try:
        return adapter.validate_python(json_value)
    except Exception:
        return json_value


def _plain(value: Any) -> bool:
    return isinstance(value, (str, int, float, bool, type(None)))
