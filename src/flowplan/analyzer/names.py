"""Dotted names in the ``ast``: ``a.b.c`` as its parts, the one walk every reader uses."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import ast


def dotted_parts(expr: ast.expr) -> list[str] | None:
    """``["a", "b", "c"]`` for ``a.b.c``; None unless ``expr`` is a name with attributes."""
    import ast  # (loaded by whatever made ``expr``; here only looked up)

    parts: list[str] = []
    while isinstance(expr, ast.Attribute):
        parts.append(expr.attr)
        expr = expr.value
    if not isinstance(expr, ast.Name):
        return None
    parts.append(expr.id)
    return parts[::-1]


def dotted_name(expr: ast.expr) -> str | None:
    """``"a.b.c"`` for ``a.b.c``; None unless ``expr`` is a name with attributes."""
    parts = dotted_parts(expr)
    return None if parts is None else ".".join(parts)
