"""Annotation objects for the checks that need one (FP306: does a parameter fit its type?),
built from source text without importing user code.

Only what the standard library defines is built -- builtins, ``typing``, ``collections.abc``
-- which covers the annotations of almost every parameter.  An annotation naming anything
else (a user's class, numpy) gives None, and the check is skipped, never guessed.
"""

from __future__ import annotations

import ast
import builtins
import collections.abc
import functools
import operator
import typing
from collections.abc import Mapping
from typing import Any

from flowplan.analyzer.names import dotted_parts

_MODULES = {"typing": typing, "typing_extensions": typing, "collections.abc": collections.abc,
            "builtins": builtins}
_FAILED = object()


@functools.lru_cache(maxsize=2048)
def _cached(text: str, names: tuple[tuple[str, str], ...]) -> Any:
    try:
        node = ast.parse(text.strip(), mode="eval").body
    except SyntaxError:
        return None
    value = _build(node, dict(names))
    return None if value is _FAILED else value


def annotation_object(text: str | None, names: Mapping[str, str]) -> Any:
    """The annotation ``text`` as a typing object, or None when it cannot be built safely."""
    if text is None:
        return None
    try:
        used = {n.id for n in ast.walk(_parse(text)) if isinstance(n, ast.Name)}
        relevant = tuple(sorted((k, v) for k, v in names.items() if k in used))
        return _cached(text, relevant)
    except (TypeError, ValueError, AttributeError, IndexError, RecursionError, MemoryError):
        return None  # typing refuses it (`List[()]`), or it is nested past any use


def _parse(text: str) -> ast.AST:
    try:
        return ast.parse(text.strip(), mode="eval")
    except SyntaxError:
        return ast.Module(body=[], type_ignores=[])


def _build(node: ast.expr, names: dict[str, str]) -> Any:
    if isinstance(node, ast.Constant):
        if node.value is None or node.value is Ellipsis:
            return node.value
        if isinstance(node.value, str):
            inner = _cached(node.value, tuple(sorted(names.items())))
            return _FAILED if inner is None else inner
        return _FAILED
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        left, right = _build(node.left, names), _build(node.right, names)
        if _FAILED in (left, right):
            return _FAILED
        return operator.or_(left, right)
    if isinstance(node, ast.Subscript):
        head = _build(node.value, names)
        elts = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        if head is typing.Literal:
            values = [e.value for e in elts if isinstance(e, ast.Constant)]
            return head[tuple(values)] if len(values) == len(elts) else _FAILED
        args = [_build(e, names) for e in elts]
        if head is _FAILED or _FAILED in args:
            return _FAILED
        return head[args[0]] if len(args) == 1 else head[tuple(args)]  # `Tuple[()]`: none
    if isinstance(node, ast.List):
        items = [_build(e, names) for e in node.elts]
        return _FAILED if _FAILED in items else items
    return _named(node, names)


def _named(node: ast.expr, names: dict[str, str]) -> Any:
    dotted = dotted_parts(node)
    if dotted is None:
        return _FAILED
    head, *parts = dotted
    if head in names:
        qualified = ".".join([names[head], *parts])
    elif not parts and isinstance(getattr(builtins, head, None), type):
        return getattr(builtins, head)
    else:
        qualified = ".".join(dotted)
    module, _, attr = qualified.rpartition(".")
    source = _MODULES.get(module)
    found = getattr(source, attr, _FAILED) if source is not None and attr else _FAILED
    return found
