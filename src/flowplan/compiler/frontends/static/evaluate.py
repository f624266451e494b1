"""Evaluating expressions without running user code.

Literals, names, operators, subscripts, f-strings, comprehensions and calls of a few safe
builtins evaluate to their values; step outputs are :class:`StaticArtifact` placeholders
that refuse to be used as values exactly as the tracer's do.  Calls of steps, pipelines and
helper functions are handed to the :class:`Frame` (the pipeline interpreter); everything
else is :class:`Unknown`.  Where a refusal is reported follows the tracer: the expression
CPython's current instruction covers (the tested value for a condition or loop).
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from flowplan.compiler.frontends.static import operations as ops
from flowplan.compiler.frontends.static import references
from flowplan.compiler.frontends.static.displays import Displays, hashable, unknown
from flowplan.compiler.frontends.static.unpacking import unpack
from flowplan.compiler.frontends.static.values import (
    ArtifactMisuse,
    MethodRef,
    StaticArtifact,
    Unknown,
)

if TYPE_CHECKING:
    from flowplan.analyzer.source import SourceFile
    from flowplan.compiler.frontends.static.facts import ModuleFacts

MAX_ITERATIONS = 256  # longest loop unrolled; longer ones are kept symbolic
_SAFE_IDS = frozenset(id(f) for f in ops.SAFE_BUILTINS.values())  # alive as long as the module
# The handler of each kind of expression node (``Evaluator._<NodeType>``), once looked up.
_HANDLERS: dict[type, Any] = {}


class Frame(Protocol):
    """The pipeline body an evaluation runs in."""

    def call(self, ev: Evaluator, func: object, node: ast.Call, args: list[Any],
             kwargs: dict[str, Any]) -> object: ...

    def misuse(self, site: Site, exc: ArtifactMisuse, unpacking: bool) -> None: ...

    def unpack_failed(self, site: Site, message: str) -> None: ...


Site = tuple["SourceFile", ast.AST]  # where something is reported: a file and a node in it


class Evaluator(Displays):
    """Evaluates the expressions of one scope: ``names`` first, then ``facts``' globals."""

    def __init__(self, facts: ModuleFacts, names: dict[str, Any] | None = None,
                 frame: Frame | None = None) -> None:
        self.facts = facts
        self.names = {} if names is None else names
        self.frame = frame
        self.anchor: Site | None = None  # report here instead (helpers, comprehensions)
        self.refusals = 0  # artifacts that refused to be used as values, so far

    # -- reporting -------------------------------------------------------------------------
    def site(self, node: ast.AST) -> Site:
        """Where a problem at ``node`` is reported: there, or at the anchor."""
        return self.anchor or (self.facts.source, node)

    def refuse(self, exc: ArtifactMisuse, node: ast.AST, unpacking: bool = False) -> None:
        self.refusals += 1
        if self.frame is not None:
            self.frame.misuse(self.site(node), exc, unpacking)

    def lookup(self, name: str) -> object:
        if name in self.names:
            return self.names[name]
        return self.facts.lookup(name)

    # -- expressions -----------------------------------------------------------------------
    def value(self, node: ast.expr) -> Any:
        kind = type(node)
        handler = _HANDLERS.get(kind, _HANDLERS)  # looked up once per kind of node
        if handler is _HANDLERS:
            handler = _HANDLERS[kind] = getattr(Evaluator, f"_{kind.__name__}", None)
        if handler is None:
            return Unknown(f"`{ast.unparse(node)}` is not evaluated statically")
        try:
            return handler(self, node)
        except ArtifactMisuse as exc:
            self.refuse(exc, node)
            return Unknown("an artifact used as a value")
        except RecursionError:
            return Unknown("too deeply nested")

    def _Constant(self, node: ast.Constant) -> Any:
        return node.value

    def _Name(self, node: ast.Name) -> Any:
        return self.lookup(node.id)

    def _NamedExpr(self, node: ast.NamedExpr) -> Any:
        value = self.value(node.value)
        self.names[node.target.id] = value
        return value

    def _BinOp(self, node: ast.BinOp) -> Any:
        left, right = self.value(node.left), self.value(node.right)
        return ops.binary(ops.BINARY[type(node.op)], left, right)

    def _UnaryOp(self, node: ast.UnaryOp) -> Any:
        operand = self.value(node.operand)
        if isinstance(operand, Unknown) or not (
            ops.is_plain(operand) or isinstance(operand, StaticArtifact)
        ):
            return Unknown()
        return ops.UNARY[type(node.op)](operand)

    def _BoolOp(self, node: ast.BoolOp) -> Any:
        is_and = isinstance(node.op, ast.And)
        result: Any = None
        for operand in node.values:
            result = self.value(operand)
            truth = self.truth_of(result, operand)
            if truth is None:
                return Unknown()
            if truth is not is_and:
                return result
        return result

    def _Compare(self, node: ast.Compare) -> Any:
        left = self.value(node.left)
        result: Any = True
        for op, right_node in zip(node.ops, node.comparators, strict=True):
            right = self.value(right_node)
            result = self._compare(ops.COMPARE[type(op)], left, right)
            if isinstance(result, Unknown):
                return result
            if not self.truth_of(result, node):
                return result
            left = right
        return result

    def _compare(self, op: Callable[[Any, Any], Any], left: Any, right: Any) -> Any:
        if op in (ops.COMPARE[ast.Is], ops.COMPARE[ast.IsNot]):
            return op(left, right) if not unknown(left, right) else Unknown()
        if isinstance(left, StaticArtifact) or isinstance(right, StaticArtifact):
            return op(left, right)  # == is identity, < refuses, `in` refuses: as traced
        if unknown(left, right) or not (ops.is_plain(left) and ops.is_plain(right)):
            return Unknown()
        try:
            return op(left, right)
        except TypeError:
            return Unknown()

    def _IfExp(self, node: ast.IfExp) -> Any:
        truth = self.truth(node.test)
        if truth is None:
            return Unknown("a conditional expression on an unknown value")
        return self.value(node.body if truth else node.orelse)

    def _Attribute(self, node: ast.Attribute) -> Any:
        target = self.value(node.value)
        return references.attribute(self.facts, target, node.attr)

    def _Subscript(self, node: ast.Subscript) -> Any:
        target = self.value(node.value)
        index = self.value(node.slice)
        if isinstance(target, StaticArtifact):
            return target[index]
        if unknown(target, index) or not ops.is_plain(target):
            return Unknown()
        try:
            return target[index]
        except (LookupError, TypeError, ValueError):
            return Unknown()

    def _Slice(self, node: ast.Slice) -> Any:
        parts = [None if p is None else self.value(p) for p in (node.lower, node.upper, node.step)]
        return Unknown() if unknown(*parts) else slice(*parts)

    def _Starred(self, node: ast.Starred) -> Any:
        return Unknown()

    def _Lambda(self, node: ast.Lambda) -> Any:
        return Unknown("a lambda")

    def _Call(self, node: ast.Call) -> Any:
        func = self.value(node.func)
        args: list[Any] = []
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                items = self.iterate(arg.value, report_at=node)
                if items is None:
                    return Unknown("a call with *args of unknown length")
                args.extend(items)
            else:
                args.append(self.value(arg))
        kwargs: dict[str, Any] = {}
        for keyword in node.keywords:
            value = self.value(keyword.value)
            if keyword.arg is not None:
                kwargs[keyword.arg] = value
            elif isinstance(value, dict) and all(isinstance(k, str) for k in value):
                kwargs.update(value)
            else:
                return Unknown("a call with **kwargs of unknown keys")
        return self.call(func, node, args, kwargs)

    def call(self, func: Any, node: ast.Call, args: list[Any], kwargs: dict[str, Any]) -> Any:
        try:
            if id(func) in _SAFE_IDS or isinstance(func, ops.BoundMethod):
                return ops.call_builtin(func, args, kwargs)
            if isinstance(func, MethodRef) or self.frame is None:
                return references.special_call(self, func, node, args, kwargs)
            return self.frame.call(self, func, node, args, kwargs)
        except ArtifactMisuse as exc:
            self.refuse(exc, node)
            return Unknown("an artifact used as a value")

    # -- conditions, loops, assignment -------------------------------------------------------
    def truth(self, node: ast.expr) -> bool | None:
        """Whether a condition holds; None when unknown.  ``not``/``and``/``or`` are seen
        through, so a refusal is reported at the operand tested, as CPython jumps on it."""
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            inner = self.truth(node.operand)
            return None if inner is None else not inner
        if isinstance(node, ast.BoolOp):
            is_and = isinstance(node.op, ast.And)
            for operand in node.values:
                truth = self.truth(operand)
                if truth is None or truth is not is_and:
                    return truth
            return is_and
        return self.truth_of(self.value(node), node)

    def truth_of(self, value: Any, node: ast.AST) -> bool | None:
        if isinstance(value, Unknown):
            return None
        try:
            return bool(value)
        except ArtifactMisuse as exc:
            self.refuse(exc, node)
            return None

    def iterate(self, node: ast.expr, report_at: ast.AST | None = None) -> list[Any] | None:
        """The items of an iterable (bounded); None when unknown or refused."""
        value = self.value(node)
        if isinstance(value, Unknown):
            return None
        try:
            if isinstance(value, StaticArtifact):
                iter(value)
            if not ops.is_plain(value) and not isinstance(value, range):
                return None
            items = list(value)
        except ArtifactMisuse as exc:
            self.refuse(exc, report_at or node)
            return None
        except TypeError:
            return None
        return items if len(items) <= MAX_ITERATIONS else None

    def assign(self, target: ast.expr, value: Any, node: ast.AST) -> None:
        if isinstance(target, ast.Name):
            self.names[target.id] = value
        elif isinstance(target, (ast.Tuple, ast.List)):
            self._unpack(target, value)
        elif isinstance(target, ast.Subscript):
            self._store_item(target, value)
        elif isinstance(target, ast.Attribute):
            owner = self.value(target.value)
            if isinstance(owner, StaticArtifact):
                try:
                    setattr(owner, target.attr, value)
                except ArtifactMisuse as exc:
                    self.refuse(exc, target)
        elif isinstance(target, ast.Starred):
            self.assign(target.value, value, node)

    def _unpack(self, target: ast.Tuple | ast.List, value: Any) -> None:
        items, misfit = unpack(value, target.elts)
        if misfit is not None and misfit.refusal is not None:
            self.refuse(misfit.refusal, target, unpacking=True)
        elif misfit is not None and self.frame is not None:
            self.frame.unpack_failed(self.site(target), misfit.message)
        for elt, item in zip(target.elts, items, strict=True):
            self.assign(elt, item, target)

    def _store_item(self, target: ast.Subscript, value: Any) -> None:
        owner = self.value(target.value)
        index = self.value(target.slice)
        try:
            plain = isinstance(owner, (list, dict)) and not unknown(index) and hashable(index)
            if plain or isinstance(owner, StaticArtifact):
                owner[index] = value
        except ArtifactMisuse as exc:
            self.refuse(exc, target)
        except (LookupError, TypeError):
            pass
