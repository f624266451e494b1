"""Type expressions: one normal form for annotations, from objects or from source text.

Both front ends describe the type of a step input or output as a :class:`TypeExpr`: the
tracing front end from the annotation *object* (:func:`type_expr`), the static front end from
the annotation's *source text* (:func:`type_expr_from_source`), which never imports user
code.  For the same annotation both give the same expression (:func:`same_type`), so the
validator's edge check (:func:`is_compatible`) gives the same verdict on either path.

The normal form: ``List[int]`` and ``list[int]`` are ``builtins.list`` with one argument;
``typing.Sequence`` is ``collections.abc.Sequence``; ``Optional[X]``, ``Union[X, Y]`` and
``X | Y`` are ``typing.Union`` (flattened, without duplicates, ``None`` as
``builtins.NoneType``); ``Annotated``, ``ClassVar`` and ``Final`` are stripped; ``Literal``
holds the ``repr`` of its values (``module.Enum.MEMBER`` for enum members); type variables
are ``typing.Any``; the ``...`` of ``Tuple[T, ...]`` is a ``TypeExpr`` named ``...``; the
parameter list of ``Callable[[A, B], R]`` is one named ``[]``; anything unresolvable is
``?``.  Classes are ``module.QualName``: where the class is defined on the tracing path,
where it is imported from on the static path.  On the tracing path a class's ``bases`` list
its whole MRO after itself, ending with ``builtins.object`` (which marks the list complete);
the static path leaves ``bases`` empty.
"""

from __future__ import annotations

import enum
import sys
import types
import typing
from collections.abc import Mapping

from flowplan.compiler.compatibility import describe_mismatch, is_compatible
from flowplan.compiler.plan import TypeExpr
from flowplan.compiler.typeforms import (
    ANY_EXPR,
    ELLIPSIS_EXPR,
    NONE_EXPR,
    PARAMS,
    literal,
    qualified,
    render,
    same_type,
    spell,
    union,
    unknown,
)

__all__ = [
    "describe_mismatch",
    "is_compatible",
    "same_type",
    "spell",
    "type_expr",
    "type_expr_from_source",
]

_WRAPPER_NAMES = ("ClassVar", "Final", "Required", "NotRequired")


# -- the tracing path: annotation objects ---------------------------------------------------

def type_expr(tp: object) -> TypeExpr | None:
    """The normal form of an annotation object; ``None`` when the annotation is missing.

    Pass what ``typing.get_type_hints(f, include_extras=True)`` gives, and ``None`` (or
    ``inspect.Parameter.empty``) for a missing annotation; ``get_type_hints`` turns
    ``-> None`` into ``type(None)``, which gives ``builtins.NoneType``.
    """
    inspect = sys.modules.get("inspect")  # (nothing passes its ``empty`` unless it is loaded)
    if tp is None or (inspect is not None and tp is inspect.Parameter.empty):
        return None
    return _from_object(tp)


def _from_object(tp: object) -> TypeExpr:
    if tp is None or tp is type(None):
        return NONE_EXPR
    if isinstance(tp, (str, typing.ForwardRef)):  # a forward reference left unresolved
        return type_expr_from_source(tp if isinstance(tp, str) else tp.__forward_arg__, {})
    if tp is typing.Any or isinstance(tp, (typing.TypeVar, typing.ParamSpec)):
        return ANY_EXPR
    if tp is Ellipsis:
        return ELLIPSIS_EXPR
    if isinstance(tp, list):  # the parameters of Callable[[A, B], R]
        return TypeExpr(name=PARAMS, args=tuple(_from_object(a) for a in tp))
    supertype = getattr(tp, "__supertype__", None)  # typing.NewType
    if supertype is not None:
        return _from_object(supertype)
    origin = typing.get_origin(tp)
    if origin is not None:
        return _from_origin(tp, origin, typing.get_args(tp))
    special = getattr(tp, "_name", None)
    if isinstance(special, str) and getattr(typing, special, None) is tp:
        return TypeExpr(name=f"typing.{special}", text=special)  # Never, NoReturn, ...
    if isinstance(tp, type):
        bases = tuple(qualified(cls) for cls in tp.__mro__[1:])
        return TypeExpr(name=qualified(tp), bases=bases, text=tp.__qualname__)
    return unknown(repr(tp))


def _wrapper_form(origin: object) -> bool:
    """``ClassVar``, ``Final``, ``Required`` or ``NotRequired``, of ``typing`` or of
    ``typing_extensions`` -- imported already when an annotation comes from it."""
    for module in (typing, sys.modules.get("typing_extensions")):
        if module is not None and any(getattr(module, n, None) is origin for n in _WRAPPER_NAMES):
            return True
    return False


def _from_origin(tp: object, origin: object, args: tuple[object, ...]) -> TypeExpr:
    if origin is typing.Annotated or _wrapper_form(origin):
        return _from_object(args[0]) if args else ANY_EXPR
    if origin is typing.Union or origin is types.UnionType:
        joiner = " | " if origin is types.UnionType else None
        return union((_from_object(a) for a in args), joiner=joiner)
    if origin is typing.Literal:
        return literal(_literal_name(a) for a in args)
    if not isinstance(origin, type):
        return unknown(repr(tp))
    name = qualified(origin)
    arg_exprs = tuple(_from_object(a) for a in args)
    head = getattr(tp, "_name", None) or origin.__qualname__
    bases = tuple(qualified(cls) for cls in origin.__mro__[1:])
    return TypeExpr(name=name, args=arg_exprs, bases=bases, text=render(name, arg_exprs, head))


def _literal_name(value: object) -> str:
    if isinstance(value, enum.Enum):
        return f"{qualified(type(value))}.{value.name}"
    return repr(value)


# -- the static path: annotation source text ------------------------------------------------

def type_expr_from_source(text: str, imports: Mapping[str, str]) -> TypeExpr:
    """The normal form of an annotation written as ``text``, without importing anything.

    ``imports`` maps names bound in the annotation's module to qualified names
    (``{"List": "typing.List", "np": "numpy"}``).  Builtins need no entry; dotted names
    rooted at ``typing``, ``typing_extensions``, ``collections``, ``numbers`` or
    ``builtins`` resolve as written.  Anything else that cannot be resolved is ``?``.
    (Read by :mod:`flowplan.compiler.annotation_source`, which loads :mod:`ast`.)
    """
    from flowplan.compiler.annotation_source import read_annotation

    return read_annotation(text, imports)
