"""Which lines of a module are pipeline bodies, and which calls there are unpacked.

mypy hands a plugin one call at a time, without its statement; one walk over the module's
statements, done the first time a hook fires in the module, answers both questions.  (A
walk, not a ``TraverserVisitor``: mypy 2 compiles that class as a trait that interpreted
plugins may not extend.)
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from mypy.nodes import (
    AssignmentStmt,
    Block,
    CallExpr,
    ClassDef,
    Decorator,
    Expression,
    FuncDef,
    ListExpr,
    MypyFile,
    OverloadedFuncDef,
    RefExpr,
    StarExpr,
    Statement,
    TupleExpr,
)

_NESTED_BLOCKS = ("body", "else_body", "finally_body", "handlers", "bodies")


@dataclass
class PipelineBodies:
    """``lines``: the lines of pipeline bodies (nested defs and classes left out);
    ``unpacked``: for calls assigned to a tuple of names, how many names (None with a star)."""

    lines: set[int] = field(default_factory=set)
    unpacked: dict[int, int | None] = field(default_factory=dict)

    def holds(self, call: CallExpr) -> bool:
        return call.line in self.lines


def _blocks(stmt: Statement) -> Iterator[Block]:
    for attr in _NESTED_BLOCKS:
        value = getattr(stmt, attr, None)
        if isinstance(value, Block):
            yield value
        elif isinstance(value, list):
            yield from (b for b in value if isinstance(b, Block))


def _span(node: Statement) -> range:
    return range(node.line, (node.end_line or node.line) + 1)


class _Walker:
    def __init__(self, decorators: frozenset[str]) -> None:
        self.decorators = decorators
        self.result = PipelineBodies()

    def _is_pipeline(self, expr: Expression) -> bool:
        target = expr.callee if isinstance(expr, CallExpr) else expr
        return isinstance(target, RefExpr) and target.fullname in self.decorators

    def walk(self, statements: Iterable[Statement], inside: bool) -> None:
        for stmt in statements:
            if isinstance(stmt, Decorator):
                body = any(self._is_pipeline(d) for d in stmt.original_decorators)
                self._function(stmt.func, body, inside)
            elif isinstance(stmt, FuncDef):
                self._function(stmt, False, inside)
            elif isinstance(stmt, OverloadedFuncDef | ClassDef):
                if inside:
                    self.result.lines.difference_update(_span(stmt))
                if isinstance(stmt, ClassDef):
                    self.walk(stmt.defs.body, False)
            else:
                if inside and isinstance(stmt, AssignmentStmt):
                    self._assignment(stmt)
                for block in _blocks(stmt):
                    self.walk(block.body, inside)

    def _function(self, func: FuncDef, body: bool, inside: bool) -> None:
        if body:
            self.result.lines.update(_span(func))
        elif inside:  # a def nested in a pipeline body is not part of it
            self.result.lines.difference_update(_span(func))
        self.walk(func.body.body, body)

    def _assignment(self, stmt: AssignmentStmt) -> None:
        target = stmt.lvalues[-1]
        if isinstance(stmt.rvalue, CallExpr) and isinstance(target, TupleExpr | ListExpr):
            starred = any(isinstance(item, StarExpr) for item in target.items)
            self.result.unpacked[id(stmt.rvalue)] = None if starred else len(target.items)


class BodyIndex:
    """The :class:`PipelineBodies` of each module, rebuilt when mypy hands over a new tree."""

    def __init__(self, decorators: frozenset[str]) -> None:
        self.decorators = decorators
        self._by_module: dict[str, tuple[MypyFile, PipelineBodies]] = {}

    def of(self, tree: MypyFile) -> PipelineBodies:
        known = self._by_module.get(tree.fullname)
        if known is not None and known[0] is tree:
            return known[1]
        walker = _Walker(self.decorators)
        walker.walk(tree.defs, False)
        self._by_module[tree.fullname] = (tree, walker.result)
        return walker.result
