"""Real Python operations on statically known values, within safe limits.

The front end applies Python's own operators, builtins and ``list``/``dict``/``str`` methods
to the values it knows -- so ``"process_" + str(i)`` and ``results.append(a)`` mean what
they mean -- but never to anything a user defined, and never when a result could be huge
(``"x" * 10**9``, ``range(10**9)``, ``2 ** 10**9``): those are :class:`Unknown`.
"""

from __future__ import annotations

import ast
import operator
import re
from collections.abc import Callable
from typing import Any

from flowplan.compiler.frontends.static.values import ArtifactMisuse, StaticArtifact, Unknown

MAX_SIZE = 10_000  # longest sequence or string the front end builds
_NUMBER = re.compile(r"\d+")
_PLAIN = (bool, int, float, complex, str, bytes, list, tuple, dict, set, frozenset, type(None))

BINARY: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
    ast.Div: operator.truediv, ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod,
    ast.Pow: operator.pow, ast.MatMult: operator.matmul, ast.BitAnd: operator.and_,
    ast.BitOr: operator.or_, ast.BitXor: operator.xor, ast.LShift: operator.lshift,
    ast.RShift: operator.rshift,
}
INPLACE: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.iadd, ast.Sub: operator.isub, ast.Mult: operator.imul,
    ast.Div: operator.itruediv, ast.FloorDiv: operator.ifloordiv, ast.Mod: operator.imod,
    ast.Pow: operator.ipow, ast.MatMult: operator.imatmul, ast.BitAnd: operator.iand,
    ast.BitOr: operator.ior, ast.BitXor: operator.ixor, ast.LShift: operator.ilshift,
    ast.RShift: operator.irshift,
}
UNARY: dict[type[ast.unaryop], Callable[[Any], Any]] = {
    ast.USub: operator.neg, ast.UAdd: operator.pos, ast.Invert: operator.invert,
    ast.Not: operator.not_,
}
COMPARE: dict[type[ast.cmpop], Callable[[Any, Any], Any]] = {
    ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le,
    ast.Gt: operator.gt, ast.GtE: operator.ge, ast.Is: operator.is_, ast.IsNot: operator.is_not,
    ast.In: lambda a, b: operator.contains(b, a),
    ast.NotIn: lambda a, b: not operator.contains(b, a),
}


def is_plain(value: object) -> bool:
    """Python data the front end may operate on (artifacts allowed inside containers)."""
    return type(value) in _PLAIN


def small_format(text: object) -> bool:
    """Whether a format string asks for no width or precision beyond ``MAX_SIZE``."""
    return not isinstance(text, str) or all(int(n) <= MAX_SIZE for n in _NUMBER.findall(text))


def _too_big(op: Callable[[Any, Any], Any], left: object, right: object) -> bool:
    if op in (operator.pow, operator.ipow):
        return isinstance(right, int) and abs(right) > 256 and left not in (0, 1, -1)
    if op in (operator.lshift, operator.ilshift):
        return isinstance(right, int) and right > 256
    if op in (operator.mod, operator.imod) and not small_format(left):
        return True
    if op in (operator.mul, operator.imul):
        for seq, count in ((left, right), (right, left)):
            if isinstance(seq, (str, bytes, list, tuple)) and isinstance(count, int):
                return len(seq) * count > MAX_SIZE
    return False


def binary(op: Callable[[Any, Any], Any], left: object, right: object) -> object:
    """``op(left, right)``; raises ArtifactMisuse like the tracer; Unknown when unsafe."""
    if isinstance(left, StaticArtifact) or isinstance(right, StaticArtifact):
        if isinstance(left, Unknown) or isinstance(right, Unknown):
            artifact = right if isinstance(right, StaticArtifact) else left
            assert isinstance(artifact, StaticArtifact)
            name = op.__name__.strip("_")
            suffix = "r" if artifact is right else ("i" if name.startswith("i") else "")
            raise ArtifactMisuse(artifact, f"used in arithmetic (`__{suffix}{name.lstrip('i')}__`)")
        return op(left, right)
    if not (is_plain(left) and is_plain(right)) or _too_big(op, left, right):
        return Unknown()
    try:
        return op(left, right)
    except (ArithmeticError, TypeError, ValueError):
        return Unknown()


def _range(*args: object) -> object:
    numbers = [a for a in args if isinstance(a, int)]
    if len(numbers) != len(args) or not 1 <= len(numbers) <= 3:
        return Unknown()
    result = range(*numbers)
    return result if len(result) <= MAX_SIZE else Unknown("a range too long to unroll")


def _print(*args: object, **kwargs: object) -> None:
    for value in args:
        str(value)  # an artifact prints as its repr, as when traced


SAFE_BUILTINS: dict[str, Callable[..., Any]] = {
    "len": len, "range": _range, "enumerate": enumerate, "zip": zip, "str": str, "int": int,
    "float": float, "bool": bool, "list": list, "dict": dict, "tuple": tuple, "set": set,
    "frozenset": frozenset, "sorted": sorted, "reversed": reversed, "min": min, "max": max,
    "sum": sum, "abs": abs, "round": round, "repr": repr, "any": any, "all": all,
    "print": _print, "divmod": divmod,
}
_LAZY = (enumerate, zip, reversed)


def call_builtin(func: Callable[..., Any], args: list[Any], kwargs: dict[str, Any]) -> object:
    """A safe builtin applied for real; lazy iterators are materialised (bounded)."""
    values = [*args, *kwargs.values()]
    if any(isinstance(v, Unknown) for v in values):
        return Unknown()
    if any(isinstance(v, (str, list, tuple, dict)) and len(v) > MAX_SIZE for v in values):
        return Unknown()
    try:
        result = func(*args, **kwargs)
        if isinstance(result, _LAZY):
            return list(result)
        return result
    except ArtifactMisuse:
        raise
    except (ArithmeticError, TypeError, ValueError, KeyError, IndexError):
        return Unknown()


class BoundMethod:
    """A public method of a plain value, called for real with bounded arguments."""

    def __init__(self, target: object, func: Callable[..., Any]) -> None:
        self.target = target
        self.func = func

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if any(isinstance(v, int) and abs(v) > MAX_SIZE for v in (*args, *kwargs.values())):
            return Unknown()
        return self.func(*args, **kwargs)


def method(target: object, name: str) -> BoundMethod | None:
    """A public method of a plain value (``results.append``, ``"a".upper``), else None."""
    if name.startswith("_") or not is_plain(target):
        return None
    found = getattr(target, name, None)
    if not callable(found):
        return None
    if name in ("format", "format_map") and not small_format(target):
        return None
    return BoundMethod(target, found)
