"""Write a type annotation as text and read it back, without ``eval``.

An artifact records the type it was stored as (``list[uuid.UUID]``, ``myapp.models.Report``,
``typing.Optional[int]``) so it can be loaded later, in another process, with the same
pydantic schema.  The text is a Python expression over qualified names, subscripts and
literal constants; :func:`resolve_type` walks its syntax tree and imports the modules it
names -- nothing else is executed.
"""

from __future__ import annotations

import builtins
import enum
import importlib
import types
import typing
from typing import TYPE_CHECKING, Any

from flowplan.analyzer.names import dotted_name

if TYPE_CHECKING:
    import ast


class TypeSpecError(ValueError):
    """A type cannot be written as a resolvable name, or a written name cannot be resolved."""


_LITERAL_TYPES = (str, int, bool, bytes, type(None))


def format_type(tp: Any) -> str:
    """The text form of ``tp`` (``Annotated`` metadata dropped); raises :class:`TypeSpecError`."""
    if tp is None or tp is type(None):
        return "None"
    if tp is Ellipsis:
        return "..."
    if tp is typing.Any:
        return "typing.Any"
    origin = typing.get_origin(tp)
    if origin is typing.Annotated or hasattr(tp, "__metadata__"):
        return format_type(typing.get_args(tp)[0])
    if origin is not None:
        return _format_generic(origin, typing.get_args(tp))
    if isinstance(tp, type):
        return qualified_name(tp, strict=True)
    raise TypeSpecError(f"`{tp!r}` is not a type flowplan can record")


def _format_generic(origin: Any, args: tuple[Any, ...]) -> str:
    if origin is typing.Literal:
        return f"typing.Literal[{', '.join(_format_literal(a) for a in args)}]"
    if origin is typing.Union or origin is types.UnionType:
        base = "typing.Union"
    elif isinstance(origin, type):
        base = qualified_name(origin, strict=True)
    else:
        raise TypeSpecError(f"`{origin!r}` is not a type flowplan can record")
    if not args:
        return base
    return f"{base}[{', '.join(format_type(a) for a in args)}]"


def _format_literal(value: Any) -> str:
    if isinstance(value, enum.Enum):
        return f"{qualified_name(type(value), strict=True)}.{value.name}"
    if type(value) in _LITERAL_TYPES:
        return repr(value)
    raise TypeSpecError(f"the Literal value `{value!r}` cannot be recorded")


def qualified_name(cls: type, *, strict: bool = False) -> str:
    """``module.QualName`` (bare for builtins).  ``strict`` refuses classes defined in functions."""
    qualname = getattr(cls, "__qualname__", getattr(cls, "__name__", repr(cls)))
    module = getattr(cls, "__module__", None)
    if strict and "<locals>" in qualname:
        raise TypeSpecError(f"`{qualname}` is defined inside a function and cannot be imported")
    if module in (None, "builtins"):
        return str(qualname)
    return f"{module}.{qualname}"


def describe_type(tp: Any) -> str:
    """A readable name for any type, for display only (never raises)."""
    try:
        return format_type(tp)
    except TypeSpecError:
        return qualified_name(tp) if isinstance(tp, type) else repr(tp)


def is_recordable(tp: Any) -> bool:
    """True when ``tp`` has a text form that resolves back to a type with the same text form."""
    try:
        text = format_type(tp)
        return format_type(resolve_type(text)) == text
    except (TypeSpecError, TypeError):
        return False


def resolve_type(text: str) -> Any:
    """The type written by :func:`format_type`; raises :class:`TypeSpecError`."""
    known = _STANDARD.get(text)
    if known is not None:
        return known
    import ast  # (loaded once a type is read from its text)

    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError:
        raise TypeSpecError(f"`{text}` is not a recorded type") from None
    found = _evaluate(tree.body, text)
    roots = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    if all(r in _STANDARD_ROOTS or hasattr(builtins, r) for r in roots):
        # the standard library's types (builtins are written bare) never change: keep them
        _STANDARD[text] = found
    return found


# Types of the standard library resolved once (every load of an ``int`` artifact asks).
_STANDARD: dict[str, Any] = {}
_STANDARD_ROOTS = frozenset(
    {"builtins", "typing", "collections", "datetime", "decimal", "pathlib", "uuid", "types"}
)


def _evaluate(node: ast.expr, text: str) -> Any:
    import ast

    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, (ast.Name, ast.Attribute)):
        return _locate(_dotted(node, text))
    if isinstance(node, ast.Subscript):
        base = _evaluate(node.value, text)
        inner = node.slice
        if isinstance(inner, ast.Tuple):
            args: Any = tuple(_evaluate(e, text) for e in inner.elts)
        else:
            args = _evaluate(inner, text)
        try:
            return base[args]
        except TypeError as exc:
            raise TypeSpecError(f"`{text}` cannot be rebuilt: {exc}") from None
    raise TypeSpecError(f"`{text}` is not a recorded type")


def _dotted(node: ast.expr, text: str) -> str:
    name = dotted_name(node)
    if name is None:
        raise TypeSpecError(f"`{text}` is not a recorded type")
    return name


def _locate(dotted: str) -> Any:
    """Import ``a.b.C``: the longest importable module prefix, then attributes."""
    parts = dotted.split(".")
    if len(parts) == 1 and hasattr(builtins, parts[0]):
        return getattr(builtins, parts[0])
    try:
        obj: Any = importlib.import_module(parts[0])
    except ImportError:
        raise TypeSpecError(f"`{dotted}` cannot be imported") from None
    path = parts[0]
    for part in parts[1:]:
        path = f"{path}.{part}"
        if hasattr(obj, part):
            obj = getattr(obj, part)
            continue
        if not isinstance(obj, types.ModuleType):
            raise TypeSpecError(f"`{dotted}` cannot be imported: no `{part}` in `{obj!r}`")
        try:
            obj = importlib.import_module(path)
        except ImportError:
            raise TypeSpecError(f"`{dotted}` cannot be imported: no `{path}`") from None
    return obj
