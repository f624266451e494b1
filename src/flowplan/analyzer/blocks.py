"""The statement lists nested in a compound statement, for every walk over a module's ``ast``."""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator, Sequence

# Statements that hold no other statement: a walk for statements need not look inside them.
SIMPLE_STATEMENTS = (
    ast.Expr, ast.Assign, ast.AnnAssign, ast.AugAssign, ast.Return, ast.Pass, ast.Raise,
    ast.Assert, ast.Import, ast.ImportFrom, ast.Delete, ast.Global, ast.Nonlocal, ast.Break,
    ast.Continue,
)


def statement_blocks(stmt: ast.stmt) -> Iterator[list[ast.stmt]]:
    """The statement lists inside a compound statement other than a def or class, in source
    order (nothing for a simple statement)."""
    # Two branches, one per type: mypy narrows neither through `or` with a version check.
    if isinstance(stmt, ast.Try):  # noqa: SIM114
        yield from _try_blocks(stmt.body, stmt.handlers, stmt.orelse, stmt.finalbody)
    elif sys.version_info >= (3, 11) and isinstance(stmt, ast.TryStar):
        yield from _try_blocks(stmt.body, stmt.handlers, stmt.orelse, stmt.finalbody)
    elif isinstance(stmt, (ast.If, ast.For, ast.AsyncFor, ast.While)):
        yield stmt.body
        yield stmt.orelse
    elif isinstance(stmt, (ast.With, ast.AsyncWith)):
        yield stmt.body
    elif isinstance(stmt, ast.Match):
        yield from (case.body for case in stmt.cases)


def _try_blocks(
    body: list[ast.stmt],
    handlers: Sequence[ast.excepthandler],
    orelse: list[ast.stmt],
    finalbody: list[ast.stmt],
) -> Iterator[list[ast.stmt]]:
    yield body
    yield from (h.body for h in handlers if isinstance(h, ast.ExceptHandler))
    yield orelse
    yield finalbody
