"""Parameters must be JSON, or round-trip through pydantic for their annotation (decision 8)."""

from __future__ import annotations

import math
from typing import Any

from flowplan.codes import make
from flowplan.diagnostics import Diagnostic

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


def _pydantic_json(value: object, annotation: object) -> tuple[bool, Any]:
    from pydantic import TypeAdapter, ValidationError
    from pydantic_core import PydanticSerializationError

    try:
        adapter: TypeAdapter[Any] = TypeAdapter(annotation)
        dumped = adapter.dump_python(value, mode="json")
        restored = adapter.validate_python(dumped)
    except (ValidationError, PydanticSerializationError, TypeError, ValueError):
        return False, None
    try:
        same = bool(restored == value)
    except Exception:
        same = False
    return same, dumped


def to_parameter(
    value: object, annotation: object, owner: str, name: str, where: tuple[str | None, int | None, int | None]
) -> tuple[Any, list[Diagnostic]]:
    """The JSON form of a parameter, or the FP301/FP302 diagnostics that refuse it."""
    path, line, column = where
    if isinstance(value, (set, frozenset)):
        return None, [make(
            "FP302", f"parameter `{name}` of {owner} is a {type(value).__name__}; sets have no JSON "
            "form and an unstable order", path=path, line=line, column=column,
            fix=f"pass a sorted list instead: sorted({name})")]
    try:
        return plain_json(value), []
    except NotJson as exc:
        bad = exc.value
    if annotation is not None and annotation is not Any:
        ok, dumped = _pydantic_json(value, annotation)
        if ok:
            return dumped, []
    part = f" (at {name}{exc.where})" if exc.where else ""
    if isinstance(bad, (set, frozenset)):
        return None, [make(
            "FP302", f"parameter `{name}` of {owner} holds a set{part}", path=path, line=line,
            column=column, fix="pass a sorted list instead")]
    return None, [make(
        "FP301",
        f"parameter `{name}` of {owner} is a {type(bad).__name__}{part}, which is not "
        "JSON-serialisable",
        path=path, line=line, column=column,
        fix="pass JSON data (str, int, float, bool, None, lists, dicts with str keys), annotate "
        "the input with a type pydantic can serialise, or produce the value in a step and pass "
        "the artifact")]
