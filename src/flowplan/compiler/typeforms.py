"""The vocabulary of type expressions: canonical names, and building and spelling them.

Shared by the two front ends in :mod:`flowplan.compiler.types` and by the compatibility
rules in :mod:`flowplan.compiler.compatibility`.
"""

from __future__ import annotations

import builtins
import collections
import collections.abc
import functools
import typing
import warnings
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from flowplan.compiler.plan import TypeExpr

ANY = "typing.Any"
UNION = "typing.Union"
OPTIONAL = "typing.Optional"
LITERAL = "typing.Literal"
ANNOTATED = "typing.Annotated"
UNKNOWN = "?"
ELLIPSIS = "..."
PARAMS = "[]"  # the parameter list of Callable[[A, B], R]
NONE = "builtins.NoneType"
OBJECT = "builtins.object"
WRAPPERS = frozenset({"typing.ClassVar", "typing.Final", "typing.Required", "typing.NotRequired"})
_SPECIAL_NAMES = frozenset({"Any", "Union", "Optional", "Literal", "Annotated", "ClassVar",
                            "Final", "Required", "NotRequired"})

ANY_EXPR = TypeExpr(name=ANY, text="Any")
NONE_EXPR = TypeExpr(name=NONE, text="None")
INT_EXPR = TypeExpr(name="builtins.int", text="int")
STR_EXPR = TypeExpr(name="builtins.str", text="str")
ELLIPSIS_EXPR = TypeExpr(name=ELLIPSIS, text=ELLIPSIS)


def qualified(cls: object) -> str:
    """``module.QualName`` of a class (or of anything with those attributes)."""
    module = getattr(cls, "__module__", None) or "builtins"
    return f"{module}.{getattr(cls, '__qualname__', getattr(cls, '__name__', '?'))}"


@functools.cache
def _alias_table() -> dict[str, str]:
    """Qualified names as written (``typing.List``) -> canonical names (``builtins.list``)."""
    import typing_extensions  # only where types are compared

    table: dict[str, str] = {}
    for module in (typing, typing_extensions):
        for name in dir(module):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # deprecated aliases such as ByteString
                obj = getattr(module, name)
            origin = typing.get_origin(obj)
            target = origin if isinstance(origin, type) else obj
            if name in _SPECIAL_NAMES:
                table[f"{module.__name__}.{name}"] = f"typing.{name}"
            elif not name.startswith("_") and isinstance(target, type):
                table[f"{module.__name__}.{name}"] = qualified(target)
    return table


@functools.cache
def known_classes() -> dict[str, type]:
    """Classes whose subtype relations are known exactly, by canonical name (built once, when
    types are first compared)."""
    found: list[object] = [type(None), collections.deque, collections.OrderedDict,
                           collections.defaultdict, collections.Counter, collections.ChainMap]
    import numbers  # (only here: comparing types is rare on a warm run)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for module in (builtins, collections.abc, numbers):
            found.extend(getattr(module, n) for n in dir(module) if not n.startswith("_"))
    return {qualified(cls): cls for cls in found if isinstance(cls, type)}


def canonical(name: str) -> str:
    """The canonical spelling of a qualified name (``typing.Sequence`` -> collections.abc)."""
    return _alias_table().get(name, name)


def same_type(a: TypeExpr | None, b: TypeExpr | None) -> bool:
    """Whether two expressions denote the same type (``text`` and ``bases`` are ignored).

    The members of a ``Union`` or ``Literal`` are compared in any order.
    """
    if a is None or b is None:
        return a is b
    if a.name != b.name or len(a.args) != len(b.args):
        return False
    if a.name in (UNION, LITERAL):
        return all(any(same_type(x, y) for y in b.args) for x in a.args)
    return all(same_type(x, y) for x, y in zip(a.args, b.args, strict=True))


def spell(expr: TypeExpr | None) -> str:
    """A readable spelling of ``expr`` for messages: its ``text``, else one built from it."""
    if expr is None:
        return "<unannotated>"
    if expr.text:
        return expr.text
    return render(expr.name, expr.args)


def render(name: str, args: Sequence[TypeExpr], head: str | None = None,
           joiner: str | None = None) -> str:
    """Spell a type from its name and arguments (``head`` overrides the short name)."""
    parts = [spell(a) for a in args]
    if name == UNION:
        if joiner:
            return joiner.join(parts)
        others = [a for a in args if a.name != NONE]
        if len(args) == 2 and len(others) == 1:
            return f"Optional[{spell(others[0])}]"
    if name == PARAMS:
        return f"[{', '.join(parts)}]"
    short = head or ("None" if name == NONE else name.rsplit(".", 1)[-1])
    return f"{short}[{', '.join(parts)}]" if parts else short


def union(members: Iterable[TypeExpr], text: str | None = None,
          joiner: str | None = None) -> TypeExpr:
    """A flattened union without duplicates; a single member stands for itself."""
    flat: list[TypeExpr] = []
    for member in members:
        for item in member.args if member.name == UNION else (member,):
            if not any(same_type(item, seen) for seen in flat):
                flat.append(item)
    if len(flat) == 1:
        return flat[0]
    return TypeExpr(name=UNION, args=tuple(flat), text=text or render(UNION, flat, None, joiner))


def literal(values: Iterable[str], text: str | None = None) -> TypeExpr:
    """``Literal`` of the given value spellings (``repr`` of each value), without repeats."""
    names = list(dict.fromkeys(values))
    args = tuple(TypeExpr(name=v, text=v) for v in names)
    return TypeExpr(name=LITERAL, args=args, text=text or f"Literal[{', '.join(names)}]")


def unknown(text: str) -> TypeExpr:
    """A type the front end could not resolve, spelled as written."""
    return TypeExpr(name=UNKNOWN, text=text)


def type_hints(func: Callable[..., Any]) -> dict[str, Any]:
    """Resolved annotations (``Annotated`` kept); unresolvable ones are left out."""
    try:
        return typing.get_type_hints(func, include_extras=True)
    except Exception:
        hints: dict[str, Any] = {}
        for name, value in getattr(func, "__annotations__", {}).items():
            if not isinstance(value, str):
                hints[name] = value
        return hints
