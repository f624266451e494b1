"""``analyze_module``: the signature of every function in a module's source, with libcst.

libcst reads the structure and the exact source text of annotations and defaults.  The same
source is also parsed with :mod:`ast`, which is fast, gives every def's and parameter's position
for free, and is what the code hash normalises.  libcst positions (``PositionProvider``, slow)
are computed only for modules with a problem to report.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace

import libcst as cst
from libcst.metadata import CodeRange, MetadataWrapper, PositionProvider

from flowplan.analyzer.codehash import FunctionNode, ModuleIndex
from flowplan.analyzer.deep_stack import deeply
from flowplan.analyzer.module_analysis import ModuleAnalysis
from flowplan.analyzer.positions import NEWLINE, char_column, def_name_site
from flowplan.analyzer.returns import (
    Finding,
    OutputDecision,
    child_suites,
    decide_outputs,
    source_text,
    typing_aliases,
)
from flowplan.analyzer.signature import InputSpec, ParamKind, StepSignature, signature_of_def
from flowplan.analyzer.source import syntax_error
from flowplan.diagnostics import Diagnostic, FlowplanError
from flowplan.messages import internal


def _analyze_module(source: str, path: str) -> ModuleAnalysis:
    """Analyse every function def of ``source``; never imports or runs it."""
    try:
        tree = ast.parse(source, filename=path)
        module = cst.parse_module(source)
    except (SyntaxError, ValueError) as exc:
        line = getattr(exc, "lineno", None)
        column = getattr(exc, "offset", None)
        message = getattr(exc, "msg", None) or str(exc)
        return ModuleAnalysis.of(path, [], syntax_error(message, path, line, column))
    except cst.ParserSyntaxError as exc:
        error = syntax_error(exc.message, path, exc.raw_line, exc.raw_column + 1)
        return ModuleAnalysis.of(path, [], error)
    except RecursionError:
        error = syntax_error("an expression is nested too deeply to analyse", path, None, None)
        return ModuleAnalysis.of(path, [], error)
    index = ModuleIndex(tree)
    defs = list(cst_functions(module.body))
    if [f.name.value for f in defs] != [node.name for _, node in index.functions]:
        raise FlowplanError(internal.parsers_disagree(path))
    aliases = typing_aliases(module)
    decisions = [decide_outputs(func, module, aliases) for func in defs]
    positions = _positions(module) if any(d.findings for d in decisions) else {}
    m = _Module(path, module, index, _Locator(source), positions)
    signatures = [
        _signature(m, qualname, node, func, decision)
        for (qualname, node), func, decision in zip(index.functions, defs, decisions, strict=True)
    ]
    return ModuleAnalysis.of(path, signatures)


def cst_functions(body: Sequence[cst.BaseStatement]) -> Iterator[cst.FunctionDef]:
    """Every def in source order, a def before the defs nested in it (like ``ModuleIndex``)."""
    for stmt in body:
        if isinstance(stmt, cst.FunctionDef):
            yield stmt
        if isinstance(stmt, cst.BaseCompoundStatement):
            for suite in child_suites(stmt):
                if isinstance(suite, cst.IndentedBlock):
                    yield from cst_functions(suite.body)


def _positions(module: cst.Module) -> dict[cst.CSTNode, CodeRange]:
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    return dict(wrapper.resolve(PositionProvider))


class _Locator:
    """1-based character positions from ``ast`` nodes, whose columns count UTF-8 bytes."""

    def __init__(self, source: str) -> None:
        self.lines = NEWLINE.split(source)

    def column(self, line: int, byte_offset: int) -> int:
        return char_column(self.lines, line, byte_offset)

    def name_site(self, node: FunctionNode) -> tuple[int, int]:
        return def_name_site(self.lines, node)


@dataclass(frozen=True)
class _Module:
    """What every function of one module is analysed against."""

    path: str
    tree: cst.Module
    index: ModuleIndex
    locator: _Locator
    positions: dict[cst.CSTNode, CodeRange]


def cst_inputs(func: cst.FunctionDef, module: cst.Module) -> list[InputSpec]:
    """Named parameters; ``*args`` and ``**kwargs`` are left to the compiler (FP110)."""
    params = func.params
    groups: list[tuple[ParamKind, Sequence[cst.Param]]] = [
        ("positional_only", params.posonly_params),
        ("positional_or_keyword", params.params),
        ("keyword_only", params.kwonly_params),
    ]
    return [
        InputSpec(
            name=p.name.value,
            annotation=None
            if p.annotation is None
            else source_text(p.annotation.annotation, module),
            has_default=p.default is not None,
            default_source=None if p.default is None else source_text(p.default, module),
            kind=kind,
        )
        for kind, group in groups
        for p in group
    ]


def _signature(
    m: _Module, qualname: str, node: FunctionNode, func: cst.FunctionDef, decision: OutputDecision
) -> StepSignature:
    return decided_signature(
        m.path, qualname, node, cst_inputs(func, m.tree), decision, m.locator.column,
        m.locator.name_site(node), m.index.code_hash(node),
        tuple(located(m.path, f, m.positions) for f in decision.findings),
    )


def decided_signature(
    path: str,
    qualname: str,
    node: FunctionNode,
    inputs: list[InputSpec],
    decision: OutputDecision,
    column: Callable[[int, int], int],
    name_site: tuple[int, int],
    code_hash: str,
    diagnostics: tuple[Diagnostic, ...],
) -> StepSignature:
    """The ``StepSignature`` of ``node`` with the outputs libcst's reading decided; both the
    library and the lint path build it here."""
    return signature_of_def(
        path, qualname, node, inputs, column, lambda: name_site, outputs=decision.outputs,
        multi_output=decision.multi_output, return_annotation=decision.return_annotation,
        returns_value=decision.returns_value, code_hash=code_hash, diagnostics=diagnostics,
    )


def located(
    path: str, finding: Finding, positions: Mapping[cst.CSTNode, CodeRange]
) -> Diagnostic:
    """A finding of the output decision as a diagnostic at its libcst position."""
    where = positions.get(finding.node)
    if where is None and finding.anchor is not None:
        where = positions[finding.anchor]
    assert where is not None, "a finding's node is in the module or has an anchor there"
    return replace(finding.diagnostic, path=path, line=where.start.line,
                   column=where.start.column + 1, end_line=where.end.line,
                   end_column=where.end.column + 1)


def analyze_module(source: str, path: str) -> ModuleAnalysis:
    """Every def of ``source`` with its signature; deeply nested code is read on a large
    stack (:func:`~flowplan.analyzer.deep_stack.deeply`)."""
    return deeply(_analyze_module, source, path)
