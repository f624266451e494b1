"""FP803 mutable-default: a step parameter whose default is a list, dict or set."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from flowplan.diagnostics import Diagnostic
from flowplan.lint.context import FileContext
from flowplan.lint.registry import Rule
from flowplan.messages import lint as messages

_LITERALS = (ast.List, ast.Dict, ast.Set, ast.ListComp, ast.DictComp, ast.SetComp)
_FACTORIES = frozenset({"list", "dict", "set", "bytearray", "collections.defaultdict",
                        "collections.OrderedDict", "collections.Counter", "collections.deque"})


def _is_mutable(node: ast.expr, ctx: FileContext) -> bool:
    if isinstance(node, _LITERALS):
        return True
    if isinstance(node, ast.Call):
        name = ctx.facts.qualified(node.func)
        if name is None and isinstance(node.func, ast.Name):
            name = node.func.id if node.func.id not in ctx.facts.bindings else None
        return name in _FACTORIES
    return False


def check(ctx: FileContext) -> Iterator[Diagnostic]:
    for step in ctx.steps:
        node = step.node
        if isinstance(node, ast.ClassDef):
            continue
        args = node.args
        if all(type(d) is ast.Constant for d in args.defaults) and not any(args.kw_defaults):
            continue  # the common case: no default, or literal constants only
        positional = [*args.posonlyargs, *args.args]
        pairs = list(zip(positional[len(positional) - len(args.defaults):], args.defaults,
                         strict=True))
        pairs += [(a, d) for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True) if d]
        for arg, default in pairs:
            if default is None or not _is_mutable(default, ctx):
                continue
            path, line, column = ctx.source.where(default)
            span = (path, line, column, *ctx.source.end(default))
            yield messages.mutable_default(step.name, arg.arg, ast.unparse(default), span)


RULE = Rule(
    name="mutable-default",
    codes=("FP803",),
    summary="a step parameter has a mutable default",
    rationale="""
        Python evaluates a default once, when the `def` runs; every call that does not pass
        the parameter gets that same list, dict or set.  A step that appends to it changes
        what later runs in the same process see, while its cache key -- which hashes the
        parameters it was given -- does not change.
    """,
    check=check,
    valid=(
        """
        from typing import Optional

        from flowplan import step

        @step
        def select(columns: Optional[list] = None, limit: int = 10) -> list:
            columns = columns if columns is not None else []
            return columns[:limit]
        """,
    ),
    invalid=(
        """
        from flowplan import step

        @step
        def select(columns: list = [], options: dict = dict()) -> list:  # expect: FP803:28 FP803:48
            return columns
        """,
    ),
)
