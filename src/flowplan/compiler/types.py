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

import ast
import builtins
import enum
import inspect
import sys
import types
import typing
from collections.abc import Iterable, Mapping

from flowplan.analyzer.names import dotted_parts
from flowplan.compiler.compatibility import describe_mismatch, is_compatible
from flowplan.compiler.plan import TypeExpr
from flowplan.compiler.typeforms import (
    ANNOTATED,
    ANY,
    ANY_EXPR,
    ELLIPSIS_EXPR,
    LITERAL,
    NONE_EXPR,
    OPTIONAL,
    PARAMS,
    UNION,
    WRAPPERS,
    canonical,
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
_MODULE_ROOTS = frozenset({"typing", "typing_extensions", "collections", "builtins", "numbers"})
_BUILTIN_TYPES = frozenset(n for n in dir(builtins) if isinstance(getattr(builtins, n), type))


# -- the tracing path: annotation objects ---------------------------------------------------

def type_expr(tp: object) -> TypeExpr | None:
    """The normal form of an annotation object; ``None`` when the annotation is missing.

    Pass what ``typing.get_type_hints(f, include_extras=True)`` gives, and ``None`` (or
    ``inspect.Parameter.empty``) for a missing annotation; ``get_type_hints`` turns
    ``-> None`` into ``type(None)``, which gives ``builtins.NoneType``.
    """
    if tp is None or tp is inspect.Parameter.empty:
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
    """
    try:
        node = ast.parse(text.strip(), mode="eval").body
    except SyntaxError:
        return unknown(text)
    return _SourceReader(imports).expr(node)


class _SourceReader:
    def __init__(self, imports: Mapping[str, str]) -> None:
        self.imports = imports

    def expr(self, node: ast.expr) -> TypeExpr:
        text = ast.unparse(node)
        if isinstance(node, ast.Constant):
            if node.value is None:
                return NONE_EXPR
            if node.value is Ellipsis:
                return ELLIPSIS_EXPR
            if isinstance(node.value, str):  # a forward reference
                return type_expr_from_source(node.value, self.imports)
            return unknown(text)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
            return union([self.expr(node.left), self.expr(node.right)], text)
        if isinstance(node, ast.List):
            return TypeExpr(name=PARAMS, args=tuple(self.expr(e) for e in node.elts), text=text)
        if isinstance(node, ast.Subscript):
            return self.subscript(node, text)
        name = self.resolve(node)
        if name is None or name in WRAPPERS or name in (UNION, OPTIONAL, LITERAL, ANNOTATED):
            return unknown(text)
        return ANY_EXPR if name == ANY else TypeExpr(name=name, text=text)

    def subscript(self, node: ast.Subscript, text: str) -> TypeExpr:
        head = self.resolve(node.value)
        elts = _elements(node.slice)
        if head is None or head == ANY:
            return unknown(text)
        if head == ANNOTATED or head in WRAPPERS:
            return self.expr(elts[0]) if elts else ANY_EXPR
        if head == OPTIONAL:
            return union([*(self.expr(e) for e in elts), NONE_EXPR], text)
        if head == UNION:
            return union((self.expr(e) for e in elts), text)
        if head == LITERAL:
            return literal(self.literal_names(elts), text)
        return TypeExpr(name=head, args=tuple(self.expr(e) for e in elts), text=text)

    def literal_names(self, elts: Iterable[ast.expr]) -> list[str]:
        names: list[str] = []
        for node in elts:
            if isinstance(node, ast.Constant):
                names.append(repr(node.value))
            elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
                names.append(repr(ast.literal_eval(node)))
            elif isinstance(node, ast.Subscript) and self.resolve(node.value) == LITERAL:
                names.extend(self.literal_names(_elements(node.slice)))
            else:  # an enum member
                names.append(self.resolve(node) or ast.unparse(node))
        return names

    def resolve(self, node: ast.expr) -> str | None:
        """The canonical qualified name of a (dotted) name; None when unresolvable."""
        dotted = dotted_parts(node)
        if dotted is None:
            return None
        head, rest = dotted[0], "".join(f".{p}" for p in dotted[1:])
        if head in self.imports:
            return canonical(self.imports[head] + rest)
        if not rest and head in _BUILTIN_TYPES:
            return f"builtins.{head}"
        if rest and head in _MODULE_ROOTS:
            return canonical(head + rest)
        return None


def _elements(index: ast.expr) -> list[ast.expr]:
    return list(index.elts) if isinstance(index, ast.Tuple) else [index]
