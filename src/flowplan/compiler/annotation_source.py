"""The normal form of an annotation written as source text (the static front end's side of
:mod:`flowplan.compiler.types`), read with :mod:`ast` -- which the tracing path never loads."""

from __future__ import annotations

import ast
import builtins
from collections.abc import Iterable, Mapping

from flowplan.analyzer.names import dotted_parts
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
    union,
    unknown,
)

_MODULE_ROOTS = frozenset({"typing", "typing_extensions", "collections", "builtins", "numbers"})
_BUILTIN_TYPES = frozenset(n for n in dir(builtins) if isinstance(getattr(builtins, n), type))


def read_annotation(text: str, imports: Mapping[str, str]) -> TypeExpr:
    """:func:`flowplan.compiler.types.type_expr_from_source`."""
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
                return read_annotation(node.value, self.imports)
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
