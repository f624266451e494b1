"""Step signatures read from the ``ast`` when the reading is certain, so most files need no
libcst parse at all.

:func:`quick_signature` follows :func:`flowplan.analyzer.returns.decide_outputs` (DESIGN
decisions 1-2) on the happy path only: as soon as the analyzer would report something
(FP102-FP106) or a text could read differently in libcst (a parenthesised annotation, an
implicitly concatenated string), it gives up and the caller asks the analyzer.  Every
diagnostic about a signature therefore comes from the analyzer itself, and
``tests/lint/test_signatures.py`` holds both readings equal on every fixture and on
generated defs.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator, Sequence

from flowplan.analyzer.blocks import SIMPLE_STATEMENTS, statement_blocks
from flowplan.analyzer.names import dotted_name
from flowplan.analyzer.positions import def_name_site
from flowplan.analyzer.signature import (
    InputSpec,
    OutputSpec,
    ParamKind,
    StepSignature,
    signature_of_def,
)
from flowplan.analyzer.source import SourceFile

FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef
_ONE_STRING = re.compile(r"""^[rRuU]?("[^"\\\n]*"|'[^'\\\n]*')$""")


class Unsure(Exception):
    """The ast reading might differ from the analyzer's: ask the analyzer."""


def ast_functions(body: Sequence[ast.stmt], prefix: str = "") -> Iterator[tuple[str, FunctionNode]]:
    """Every def with its qualname, in the analyzer's order (a def before those nested in it)."""
    for stmt in body:
        if isinstance(stmt, ast.ClassDef):
            yield from ast_functions(stmt.body, f"{prefix}{stmt.name}.")
        elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            yield f"{prefix}{stmt.name}", stmt
            yield from ast_functions(stmt.body, f"{prefix}{stmt.name}.<locals>.")
        else:
            for block in statement_blocks(stmt):
                yield from ast_functions(block, prefix)


_OWN_NO_RETURNS = (*SIMPLE_STATEMENTS, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def own_returns(body: Sequence[ast.stmt]) -> Iterator[ast.Return]:
    """The ``return`` statements of a function itself, not of nested functions or classes."""
    for stmt in body:
        if isinstance(stmt, ast.Return):
            yield stmt
        elif not isinstance(stmt, _OWN_NO_RETURNS):  # defs and classes have their own
            for block in statement_blocks(stmt):
                yield from own_returns(block)


class _Reader:
    def __init__(self, source: SourceFile, top_level: bool) -> None:
        self.source = source
        self.lines = source.lines
        self.top_level = top_level  # libcst re-indents continuation lines of nested defs

    def text(self, node: ast.expr) -> str:
        """The node's source as libcst's ``source_text`` gives it, or Unsure."""
        line_number = node.lineno
        if line_number == node.end_lineno:  # the common case, in one slice of one line
            line = self.lines[line_number - 1]
            if line.isascii():
                start = node.col_offset
                before = line[:start].rstrip()
                if before:  # else a continuation line: the careful way below
                    if before[-1] == "(":
                        raise Unsure
                    return line[start:node.end_col_offset]
        segment = self.source.segment(node)
        if segment is None or self._parenthesised(node):
            raise Unsure
        if node.end_lineno != node.lineno and not self.top_level:
            raise Unsure
        return segment

    def _parenthesised(self, node: ast.expr) -> bool:
        """Whether an opening parenthesis (or a comment: be careful) precedes the node."""
        lines = self.source.lines
        number = node.lineno - 1
        line = lines[number]
        if line.isascii():  # ast offsets count UTF-8 bytes: the same as characters here
            before = line[: node.col_offset].rstrip()
        else:
            before = line.encode()[: node.col_offset].decode("utf-8", "replace").rstrip()
        while not before and number > 0:
            number -= 1
            before = lines[number].rstrip()
            if "#" in before:
                return True
        return before.endswith("(")

    def generic(self, expr: ast.expr, name: str) -> list[ast.expr] | None:
        if not isinstance(expr, ast.Subscript):
            return None
        base = dotted_name(expr.value)
        if base is None or base.rsplit(".", 1)[-1] != name:
            return None
        index = expr.slice
        if isinstance(index, ast.Slice):
            raise Unsure
        if isinstance(index, ast.Tuple):
            segment = self.source.segment(index) or "("
            if segment.startswith("("):
                raise Unsure  # Tuple[(int, int)] is one element for libcst
            return list(index.elts)
        return [index]

    def unwrap(self, expr: ast.expr) -> tuple[ast.expr, str | None]:
        metadata: list[ast.expr] = []
        outer = expr
        while (elements := self.generic(expr, "Annotated")) is not None and elements:
            expr, metadata = elements[0], elements[1:] + metadata
        if outer is expr:
            return expr, None
        if len(metadata) != 1 or not _ONE_STRING.match(self.text(metadata[0])):
            raise Unsure  # FP106, or a string libcst reads differently
        value = metadata[0]
        if not (isinstance(value, ast.Constant) and isinstance(value.value, str) and value.value):
            raise Unsure
        return expr, value.value

    def tuple_elements(self, expr: ast.expr) -> list[ast.expr] | None:
        elements = self.generic(expr, "Tuple")
        if elements is None:
            elements = self.generic(expr, "tuple")
        if elements is None:
            return None
        if len(elements) == 2 and isinstance(elements[1], ast.Constant) and (
            elements[1].value is Ellipsis
        ):
            raise Unsure  # Tuple[T, ...] with tuple-literal returns: FP102
        return elements


def _shape(node: ast.Return) -> tuple[str, int | None]:
    value = node.value
    if value is None or (isinstance(value, ast.Constant) and value.value is None):
        return "none", None
    if isinstance(value, ast.Tuple):
        starred = any(isinstance(e, ast.Starred) for e in value.elts)
        return "tuple", None if starred else len(value.elts)
    return "value", None


def quick_outputs(
    reader: _Reader, node: FunctionNode
) -> tuple[tuple[OutputSpec, ...], bool, bool]:
    """(outputs, multi_output, returns_value) as the analyzer decides them, or Unsure."""
    body = node.body
    if len(body) == 1 and type(body[0]) is ast.Return:  # the one-line step
        returns: Iterator[ast.Return] | list[ast.Return] = [body[0]]
    else:
        returns = own_returns(body)
    valued = [s for s in map(_shape, returns) if s[0] != "none"]
    if len(valued) > 1 and len({shape for shape, _ in valued}) > 1:
        raise Unsure  # FP104
    all_tuples = bool(valued) and valued[0][0] == "tuple"
    ann = node.returns
    if ann is None:
        return ((OutputSpec("output", None),) if valued else ()), False, bool(valued)
    if isinstance(ann, ast.Constant) and ann.value is None:
        return (), False, bool(valued)
    if isinstance(ann, ast.Constant) or reader.source.typing_aliases:
        raise Unsure  # a string annotation, or `from typing import Tuple as T`: the analyzer
    inner, name = reader.unwrap(ann) if isinstance(ann, ast.Subscript) else (ann, None)
    elements = reader.tuple_elements(inner) if inner is ann and all_tuples else None
    if elements is None:
        return (OutputSpec(name or "output", reader.text(inner)),), False, bool(valued)
    if any(arity != len(elements) for _, arity in valued):
        raise Unsure  # FP103
    outputs = []
    for i, element in enumerate(elements):
        inner_element, element_name = reader.unwrap(element)
        outputs.append(OutputSpec(element_name or f"output_{i}", reader.text(inner_element)))
    if len({o.name for o in outputs}) != len(outputs):
        raise Unsure  # FP105
    return tuple(outputs), True, True


def quick_signature(source: SourceFile, qualname: str, node: FunctionNode) -> StepSignature | None:
    """The analyzer's signature of ``node``, read from the ast; None when unsure."""
    reader = _Reader(source, node.col_offset == 0)
    try:
        outputs, multi, returns_value = quick_outputs(reader, node)
        inputs = _inputs(reader, node)
        returns = node.returns
        if returns is None:
            return_annotation = None
        elif len(outputs) == 1 and outputs[0].annotation is not None and (
            outputs[0].name == "output"
        ) and not isinstance(returns, ast.Subscript):
            return_annotation = outputs[0].annotation  # the same text, read already
        else:
            return_annotation = reader.text(returns)
    except Unsure:
        return None
    return signature_of_def(
        source.path, qualname, node, inputs, source.column,
        lambda: def_name_site(source.lines, node), outputs=outputs, multi_output=multi,
        return_annotation=return_annotation, returns_value=returns_value,
    )


def _inputs(reader: _Reader, node: FunctionNode) -> list[InputSpec]:
    args = node.args
    if not args.posonlyargs and not args.kwonlyargs:  # the common case, in one pass
        plain = args.args
        first_default = len(plain) - len(args.defaults)
        text = reader.text
        return [
            InputSpec(
                arg.arg,
                None if arg.annotation is None else text(arg.annotation),
                i >= first_default,
                text(args.defaults[i - first_default]) if i >= first_default else None,
            )
            for i, arg in enumerate(plain)
        ]
    positional = [*args.posonlyargs, *args.args]
    defaults: list[ast.expr | None] = [None] * (len(positional) - len(args.defaults))
    defaults += args.defaults
    groups: list[tuple[ParamKind, list[ast.arg], list[ast.expr | None]]] = [
        ("positional_only", args.posonlyargs, defaults[: len(args.posonlyargs)]),
        ("positional_or_keyword", args.args, defaults[len(args.posonlyargs):]),
        ("keyword_only", args.kwonlyargs, list(args.kw_defaults)),
    ]
    return [
        InputSpec(
            name=arg.arg,
            annotation=None if arg.annotation is None else reader.text(arg.annotation),
            has_default=default is not None,
            default_source=None if default is None else reader.text(default),
            kind=kind,
        )
        for kind, group, group_defaults in groups
        for arg, default in zip(group, group_defaults, strict=True)
    ]
