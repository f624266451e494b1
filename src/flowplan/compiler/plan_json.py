"""The compact JSON of a plan (:meth:`flowplan.compiler.plan.Plan.to_json`), written for the
plan's own classes.

The text is ``json.dumps(jsonable(plan), separators=(",", ":"))``: a dataclass as the dict of
its fields in their order, ASCII only.  For every plan whose objects were made by their
``__init__`` (every plan the front ends make) that is also the text of the json module's
encoder that wrote plans before (``reference``, which reads a dataclass's instance dict), so
a stored plan keeps its hash.  It is made once per compile, and most of a plan repeats:
every call of one step shares the step's source, input definitions, configuration and
types.  Within one serialisation an object met again is written once (the objects are alive
and unchanged while it runs, so their ``id`` is theirs); anything that is not of a plan class
or a plain JSON type is handed to the json module's encoder, whose text for a part of a
document is the text of that part alone.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from json.encoder import encode_basestring_ascii as _string
from typing import Any

# -- the JSON form of any part of a plan (values, then text by the json module) ---------------


def jsonable(value: Any) -> Any:
    """The JSON form of a plan or any part of it (tuples become lists)."""
    encode = _JSONABLE.get(type(value))
    if encode is None:
        encode = _encoder(type(value))
    return encode(value)


def _same(value: Any) -> Any:
    return value


def _list_of(value: list[Any] | tuple[Any, ...]) -> list[Any]:
    return [jsonable(v) for v in value]


def _dict_of(value: dict[Any, Any]) -> dict[Any, Any]:
    return {k: jsonable(v) for k, v in value.items()}


# One encoder per concrete type, found once: a plan serialises in one pass of plain calls.
_JSONABLE: dict[type, Callable[[Any], Any]] = {
    str: _same,
    int: _same,
    float: _same,
    bool: _same,
    type(None): _same,
    list: _list_of,
    tuple: _list_of,
    dict: _dict_of,
}


def _encoder(cls: type) -> Callable[[Any], Any]:
    if dataclasses.is_dataclass(cls):
        names = tuple(f.name for f in dataclasses.fields(cls))

        def fields(value: Any) -> dict[str, Any]:
            return {name: jsonable(getattr(value, name)) for name in names}

        _JSONABLE[cls] = fields
        return fields
    for base, encode in ((str, _same), (int, _same), (float, _same), (list, _list_of),
                         (tuple, _list_of), (dict, _dict_of)):  # fmt: skip
        if issubclass(cls, base):  # subclasses (an IntEnum, a NamedTuple) as their base
            return encode
    return _fallback


def fields_of(value: Any) -> Any:
    """A dataclass as the dict of its fields (the encoder converts what is in them)."""
    cls = type(value)
    names = _FIELDS.get(cls)
    if names is None:
        if not dataclasses.is_dataclass(cls):
            return _fallback(value)
        names = _FIELDS[cls] = tuple(f.name for f in dataclasses.fields(cls))
    fields = getattr(value, "__dict__", None)
    if fields is not None and len(fields) == len(names):
        return fields  # made by the dataclass's __init__: its fields, in their order
    return {name: getattr(value, name) for name in names}


_FIELDS: dict[type, tuple[str, ...]] = {}
# The json module's compact encoder: the writer of whatever the hand-written one does not
# know.  A plan is a tree, and its values came through JSON checks: it skips the check for
# containers that hold themselves; ``reference_checked`` makes it (and says so).
reference: Callable[[Any], str] = json.JSONEncoder(
    separators=(",", ":"), default=fields_of, check_circular=False
).encode
reference_checked = json.JSONEncoder(separators=(",", ":"), default=fields_of).encode


def _fallback(value: Any) -> Any:
    # Values the validator would refuse (FP301) can still reach a fingerprint: pydantic's
    # own fallback gives them a stable JSON form.
    from pydantic_core import to_jsonable_python

    return to_jsonable_python(value, fallback=repr)


# -- the compact text of a whole plan, written by hand --------------------------------------

Encode = Callable[[Any, dict[int, str]], str]



def compact(plan: Any) -> str:
    """``plan`` as compact JSON (one pass; objects it shares are written once)."""
    return _value(plan, {})


def compact_parts(plan: Any, invocations: str | None = None) -> tuple[str, str]:
    """``compact(plan)`` of a plan of the Plan class, and the text of its invocations in it.
    ``invocations``: that text, known already (written before, of these very invocations,
    unchanged since): it is not written again."""
    memo: dict[int, str] = {}
    parts = []
    for key, name in _PLAN_FIELDS:
        if name == "invocations":
            if invocations is None:
                invocations = _value(plan.invocations, memo)
            parts.append(key + invocations)
        else:
            parts.append(key + _value(getattr(plan, name), memo))
    assert invocations is not None  # (every Plan has the field)
    return "{" + ",".join(parts) + "}", invocations


def _value(value: Any, memo: dict[int, str]) -> str:
    kind = type(value)
    if kind is str:
        return _string(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if kind is int:
        return int.__repr__(value)
    encode = _ENCODERS.get(kind)
    if encode is None:
        return reference(value)
    return encode(value, memo)


def _sequence(value: list[Any] | tuple[Any, ...], memo: dict[int, str]) -> str:
    if not value:
        return "[]"
    return "[" + ",".join([_value(item, memo) for item in value]) + "]"


def _mapping(value: dict[Any, Any], memo: dict[int, str]) -> str:
    if not value:
        return "{}"
    parts = []
    for key, item in value.items():
        if type(key) is not str:  # the json module converts (or refuses) other keys
            return reference(value)
        parts.append(_string(key) + ":" + _value(item, memo))
    return "{" + ",".join(parts) + "}"


def _shared(value: Any, memo: dict[int, str], encode: Encode = _value) -> str:
    """``value``'s text, written once per serialisation."""
    key = id(value)
    text = memo.get(key)
    if text is None:
        text = memo[key] = encode(value, memo)
    return text


def _fields_encoder(cls: type, shared: bool) -> Encode:
    """The encoder of a dataclass: the dict of its fields, in their order; ``shared``:
    written once per serialisation."""
    pairs = tuple((_string(f.name) + ":", f.name) for f in dataclasses.fields(cls))

    def fields(value: Any, memo: dict[int, str]) -> str:
        items = [key + _value(getattr(value, name), memo) for key, name in pairs]
        return "{" + ",".join(items) + "}"

    def once(value: Any, memo: dict[int, str]) -> str:
        return _shared(value, memo, fields)

    return once if shared else fields


# The classes written inline below, by their fields in order.


def _invocation(inv: Any, memo: dict[int, str]) -> str:
    """An invocation, its common shapes written inline; what the calls of one step share
    (source, input definitions, configuration, types) is written once."""
    id_, step, after, code_hash = inv.id, inv.step, inv.after, inv.code_hash
    source, input_defs, config = inv.source, inv.input_defs, inv.config
    code = _string(code_hash) if type(code_hash) is str else _value(code_hash, memo)
    return (
        f'{{"id":{_string(id_) if type(id_) is str else _value(id_, memo)}'
        f',"step":{_string(step) if type(step) is str else _value(step, memo)}'
        f',"source":{memo.get(id(source)) or _value(source, memo)}'
        f',"location":{_location(inv.location, memo)}'
        f',"inputs":{_inputs(inv.inputs, memo)}'
        f',"after":{"[]" if type(after) is list and not after else _value(after, memo)}'
        f',"input_defs":{memo.get(id(input_defs)) or _shared(input_defs, memo)}'
        f',"outputs":{_outputs(inv.outputs, memo)}'
        f',"config":{memo.get(id(config)) or _value(config, memo)}'
        f',"code_hash":{code}}}'
    )


def _location(location: Any, memo: dict[int, str]) -> str:
    if type(location) is not _LOCATION:
        return _value(location, memo)
    path, line, column = location.path, location.line, location.column
    if type(path) is not str or type(line) is not int or type(column) is not int:
        return _value(location, memo)
    return f'{{"path":{_string(path)},"line":{line!r},"column":{column!r}}}'


def _inputs(inputs: Any, memo: dict[int, str]) -> str:
    """A call's inputs; an output of another invocation (the most common) written inline."""
    if type(inputs) is not dict or not inputs:
        return _value(inputs, memo)
    parts = []
    for name, given in inputs.items():
        if type(name) is not str:
            return reference(inputs)
        if type(given) is _REF:
            kind, step, output = given.kind, given.step, given.output
            if kind == "artifact" and type(kind) is str and type(step) is str and (
                type(output) is str
            ):
                parts.append(f'{_string(name)}:{{"kind":"artifact","step":{_string(step)}'
                             f',"output":{_string(output)}}}')
                continue
        parts.append(f"{_string(name)}:{_value(given, memo)}")
    return "{" + ",".join(parts) + "}"


def _outputs(outputs: Any, memo: dict[int, str]) -> str:
    """A call's outputs; their types are the step's, written once."""
    if type(outputs) is not list:
        return _value(outputs, memo)
    parts = []
    for out in outputs:
        if type(out) is _OUTPUT:
            name, tp, stored, materializer = out.name, out.type, out.artifact_name, out.materializer
            if type(name) is str and type(stored) is str:
                made_by = "null" if materializer is None else _value(materializer, memo)
                parts.append(
                    f'{{"name":{_string(name)}'
                    f',"type":{memo.get(id(tp)) or _value(tp, memo)}'
                    f',"artifact_name":{_string(stored)}'
                    f',"materializer":{made_by}}}'
                )
                continue
        parts.append(_value(out, memo))
    return "[" + ",".join(parts) + "]"


_ENCODERS: dict[type, Encode] = {
    list: _sequence,
    tuple: _sequence,
    dict: _mapping,
}
# The plan's classes written inline (``register``); Any: a check of a value's type against
# them tells mypy nothing it could use.
_LOCATION: Any = None
_REF: Any = None
_OUTPUT: Any = None
_PLAN_FIELDS: tuple[tuple[str, str], ...] = ()  # the Plan's ("key":, field name), in order


def register(
    *, plan: type, invocation: type, location: type, ref: type, output: type,
    shared: tuple[type, ...], plain: tuple[type, ...],
) -> None:
    """Learn the plan's classes (:mod:`flowplan.compiler.plan` calls this once): the plan,
    those written inline, those the calls of one step share, and the other dataclasses."""
    global _LOCATION, _REF, _OUTPUT, _PLAN_FIELDS
    _LOCATION, _REF, _OUTPUT = location, ref, output
    _PLAN_FIELDS = tuple((_string(f.name) + ":", f.name) for f in dataclasses.fields(plan))
    for cls in (plan, location, ref, output, *plain):
        _ENCODERS[cls] = _fields_encoder(cls, shared=False)
    for cls in shared:
        _ENCODERS[cls] = _fields_encoder(cls, shared=True)
    _ENCODERS[invocation] = _invocation
