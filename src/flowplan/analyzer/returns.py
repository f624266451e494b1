"""How many outputs a step has, and their names, decided from its source (DESIGN decisions 1-2).

A step has several outputs exactly when every ``return`` with a value in its own body is a
tuple literal and its annotation is a fixed-length ``Tuple[...]``.  A step with no ``return``
of a value is never split, whatever its annotation says (the seeds: "all other cases are
treated as a step with a single output").  Problems found on the way are :class:`Finding`\\ s:
diagnostics still waiting for a position, which the caller resolves only when there are some.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import libcst as cst

from flowplan.analyzer.output_names import (
    OutputName,
    cst_dotted_name,
    output_name,
    string_value,
)
from flowplan.analyzer.signature import OutputSpec
from flowplan.diagnostics import Diagnostic
from flowplan.messages import definitions

Shape = Literal["none", "tuple", "value"]


@dataclass(frozen=True)
class Finding:
    """A diagnostic without its position yet: it points at ``node``."""

    diagnostic: Diagnostic
    node: cst.CSTNode
    # Where to report it when ``node`` is not in the module: a node parsed from the text of
    # a string annotation is reported at that string.
    anchor: cst.CSTNode | None = None


@dataclass(frozen=True)
class OutputDecision:
    outputs: tuple[OutputSpec, ...]
    multi_output: bool
    return_annotation: str | None
    returns_value: bool  # some ``return`` in the own body carries a value other than None
    findings: tuple[Finding, ...]


@dataclass(frozen=True)
class _Return:
    node: cst.Return
    shape: Shape
    arity: int | None  # length of a tuple literal; None when a starred element hides it


def own_returns(func: cst.FunctionDef) -> list[cst.Return]:
    """The ``return`` statements of ``func`` itself, not of nested functions or classes."""
    found: list[cst.Return] = []
    _collect_returns(func.body, found)
    return found


def _collect_returns(suite: cst.BaseSuite, found: list[cst.Return]) -> None:
    if isinstance(suite, cst.SimpleStatementSuite):
        found.extend(s for s in suite.body if isinstance(s, cst.Return))
        return
    for stmt in suite.body:
        if isinstance(stmt, cst.SimpleStatementLine):
            found.extend(s for s in stmt.body if isinstance(s, cst.Return))
        elif not isinstance(stmt, (cst.FunctionDef, cst.ClassDef)):
            for sub in child_suites(stmt):
                _collect_returns(sub, found)


def child_suites(node: cst.CSTNode) -> Iterator[cst.BaseSuite]:
    """The blocks of a compound statement, in source order."""
    if isinstance(node, cst.If):
        yield node.body
        if node.orelse is not None:
            yield from child_suites(node.orelse)
    elif isinstance(node, (cst.For, cst.While)):
        yield node.body
        if node.orelse is not None:
            yield node.orelse.body
    elif isinstance(node, (cst.Try, cst.TryStar)):
        yield node.body
        for handler in node.handlers:
            yield handler.body
        if node.orelse is not None:
            yield node.orelse.body
        if node.finalbody is not None:
            yield node.finalbody.body
    elif isinstance(node, cst.Match):
        for case in node.cases:
            yield case.body
    elif isinstance(node, (cst.With, cst.Else, cst.FunctionDef, cst.ClassDef)):
        yield node.body


def _classify(node: cst.Return) -> _Return:
    value = node.value
    if value is None or (isinstance(value, cst.Name) and value.value == "None"):
        return _Return(node, "none", None)
    if isinstance(value, cst.Tuple):
        starred = any(isinstance(e, cst.StarredElement) for e in value.elements)
        return _Return(node, "tuple", None if starred else len(value.elements))
    return _Return(node, "value", None)


def source_text(node: cst.CSTNode, module: cst.Module) -> str:
    """The source of ``node`` as written (names and literals without running codegen)."""
    if isinstance(node, (cst.Name, cst.SimpleString, cst.Integer, cst.Float)) and not node.lpar:
        return node.value
    return module.code_for_node(node)


_TYPING_MODULES = frozenset({"typing", "typing_extensions"})


def typing_aliases(module: cst.Module) -> dict[str, str]:
    """Names bound by ``from typing import Tuple as T`` at module level: ``{"T": "Tuple"}``
    (callers compute it once per module: a file may define thousands of steps)."""
    found = {}
    for line in module.body:
        for stmt in line.body if isinstance(line, cst.SimpleStatementLine) else ():
            if not isinstance(stmt, cst.ImportFrom) or isinstance(stmt.names, cst.ImportStar):
                continue
            if stmt.module is None or cst_dotted_name(stmt.module) not in _TYPING_MODULES:
                continue
            for alias in stmt.names:
                if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                    found[alias.asname.name.value] = str(cst_dotted_name(alias.name))
    return found


def string_annotation(expr: cst.BaseExpression) -> cst.BaseExpression:
    """The expression a string annotation (``-> "Tuple[int, str]"``) stands for; ``expr``
    itself when it is no string or its text does not parse as an expression."""
    if not isinstance(expr, (cst.SimpleString, cst.ConcatenatedString)):
        return expr
    text = expr.evaluated_value
    if not isinstance(text, str):
        return expr
    try:
        return cst.parse_expression(text.strip())
    except (cst.ParserSyntaxError, RecursionError):
        return expr


def _generic(expr: cst.BaseExpression, name: str,
             aliases: Mapping[str, str] | None = None) -> list[cst.BaseExpression] | None:
    """The elements of ``name[...]`` (any module prefix, or a name bound to it by ``from
    typing import name as alias``), or None when ``expr`` is not one."""
    if not isinstance(expr, cst.Subscript):
        return None
    base = cst_dotted_name(expr.value)
    if base is not None and aliases and base in aliases:
        base = aliases[base]
    if base is None or base.rsplit(".", 1)[-1] != name:
        return None
    elements = [e.slice.value for e in expr.slice if isinstance(e.slice, cst.Index)]
    return elements if len(elements) == len(expr.slice) else None


def _tuple_elements(
    expr: cst.BaseExpression, aliases: Mapping[str, str]
) -> list[cst.BaseExpression] | Literal["variadic"] | None:
    elements = _generic(expr, "Tuple", aliases)
    if elements is None:
        elements = _generic(expr, "tuple", aliases)
    if elements is None:
        return None
    if len(elements) == 2 and isinstance(elements[1], cst.Ellipsis):
        return "variadic"
    if len(elements) == 1 and isinstance(elements[0], cst.Tuple) and not elements[0].elements:
        return []  # Tuple[()]
    return elements


class _Decider:
    def __init__(self, func: cst.FunctionDef, module: cst.Module,
                 aliases: Mapping[str, str] | None) -> None:
        self.module = module
        self.step = func.name.value
        self.aliases = typing_aliases(module) if aliases is None else aliases
        self.findings: list[Finding] = []
        self.anchor: cst.CSTNode | None = None  # the string annotation being read, if any

    def text(self, node: cst.CSTNode) -> str:
        return source_text(node, self.module)

    def report(self, diagnostic: Diagnostic, node: cst.CSTNode) -> None:
        self.findings.append(Finding(diagnostic, node, self.anchor))

    def unwrap(self, expr: cst.BaseExpression) -> tuple[cst.BaseExpression, OutputName]:
        """Strip ``Annotated[...]`` (nested ones too); return the type and the output name."""
        metadata: list[cst.BaseExpression] = []
        outer = expr
        while (elements := _generic(expr, "Annotated", self.aliases)) is not None and elements:
            expr, metadata = elements[0], elements[1:] + metadata
        if outer is expr:
            return expr, OutputName()
        name = output_name(metadata, self.aliases, self.text)
        if name is None:
            bad = next((m for m in metadata if string_value(m) is None), outer)
            self.report(definitions.annotated_metadata_not_a_name(self.step, self.text(outer)),
                        bad)
        return expr, name or OutputName()

    def check_shapes(self, valued: Sequence[_Return]) -> None:
        first = valued[0].shape
        for ret in valued[1:]:
            if ret.shape != first:
                self.report(definitions.mixed_return_shapes(self.step, ret.shape == "tuple"),
                            ret.node)

    def several(
        self, elements: Sequence[cst.BaseExpression], tuples: Sequence[_Return], ann: str
    ) -> tuple[OutputSpec, ...]:
        for ret in tuples:
            if ret.arity != len(elements):
                got = "a starred tuple literal" if ret.arity is None else f"{ret.arity} values"
                self.report(definitions.tuple_length_mismatch(self.step, got, ann, len(elements)),
                            ret.node)
        outputs: list[OutputSpec] = []
        seen: set[str] = set()
        for i, element in enumerate(elements):
            inner, given = self.unwrap(element)
            name = given.literal or f"output_{i}"
            if given.expression is None and name in seen:
                self.report(definitions.duplicate_output_name(self.step, name), element)
            seen.add(name)
            outputs.append(OutputSpec(name, self.text(inner), given.expression))
        return tuple(outputs)

    def variadic(self, tuples: Sequence[_Return], ann: str) -> None:
        for ret in tuples:
            self.report(definitions.variadic_tuple_return(self.step, ann), ret.node)


def decide_outputs(func: cst.FunctionDef, module: cst.Module,
                   aliases: Mapping[str, str] | None = None) -> OutputDecision:
    """Outputs of ``func`` from its return annotation and the shapes of its own returns;
    ``aliases`` is :func:`typing_aliases` of ``module`` (computed when not given)."""
    d = _Decider(func, module, aliases)
    valued = [r for r in map(_classify, own_returns(func)) if r.shape != "none"]
    tuples = [r for r in valued if r.shape == "tuple"]
    if valued:
        d.check_shapes(valued)
    all_tuples = bool(valued) and len(tuples) == len(valued)
    written = func.returns.annotation if func.returns is not None else None
    ann = None if written is None else string_annotation(written)
    if ann is not written:
        d.anchor = written
    outputs: tuple[OutputSpec, ...] = ()
    multi = False
    if ann is None:
        outputs = (OutputSpec("output", None),) if valued else ()
    elif not (isinstance(ann, cst.Name) and ann.value == "None"):
        inner, name = d.unwrap(ann)
        shape = _tuple_elements(inner, d.aliases) if inner is ann and all_tuples else None
        if shape == "variadic":
            d.variadic(tuples, d.text(ann))
        if isinstance(shape, list):
            outputs, multi = d.several(shape, tuples, d.text(ann)), True
        else:
            outputs = (OutputSpec(name.literal or "output", d.text(inner), name.expression),)
    return OutputDecision(
        outputs=outputs,
        multi_output=multi,
        return_annotation=None if written is None else d.text(written),
        returns_value=bool(valued),
        findings=tuple(d.findings),
    )
