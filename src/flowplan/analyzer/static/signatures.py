"""Step signatures for the lint path: the analyzer's reading, without the code hash.

:func:`flowplan.analyzer.analyze.analyze_source` reads every def of a module and hashes each
one's code for the cache key, which costs as much again as parsing.  ``flow check`` needs
neither the hashes nor the signatures of plain functions, so this module runs the analyzer's
own output decision (:func:`~flowplan.analyzer.returns.decide_outputs`) on the step defs
only.  ``tests/lint/test_signatures.py`` holds the two readings equal, hash aside.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence

import libcst as cst
from libcst.metadata import CodeRange, MetadataWrapper, PositionProvider

from flowplan import codes
from flowplan.analyzer.returns import (
    Finding,
    OutputDecision,
    child_suites,
    decide_outputs,
    source_text,
)
from flowplan.analyzer.signature import InputSpec, ParamKind, StepSignature
from flowplan.analyzer.static.quick import FunctionNode, ast_functions
from flowplan.analyzer.static.source import SourceFile, syntax_error
from flowplan.diagnostics import Diagnostic

_DEF_KEYWORD = re.compile(r"(?:async\s+)?def\s+")


def step_signatures(
    source: SourceFile, wanted: Sequence[FunctionNode]
) -> tuple[dict[int, StepSignature], Diagnostic | None]:
    """Signatures of the ``wanted`` defs, keyed by ``id(node)``; FP001 if libcst refuses."""
    assert source.tree is not None
    try:
        module = source.cst
    except cst.ParserSyntaxError as exc:
        return {}, syntax_error(exc.message, source.path, exc.raw_line, exc.raw_column + 1)
    named = list(ast_functions(source.tree.body))
    cst_defs = list(_cst_functions(module.body))
    if [d.name.value for d in cst_defs] != [node.name for _, node in named]:
        return {}, codes.make("FP901", "libcst and ast disagree on the defs", path=source.path)
    pairs = zip(named, cst_defs, strict=True)
    by_node = {id(node): (qualname, func) for (qualname, node), func in pairs}
    decisions = {id(n): decide_outputs(by_node[id(n)][1], module) for n in wanted}
    positions: Mapping[cst.CSTNode, CodeRange] = {}
    if any(d.findings for d in decisions.values()):
        positions = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    result = {}
    for node in wanted:
        qualname, func = by_node[id(node)]
        decision = decisions[id(node)]
        findings = tuple(_located(source.path, f, positions) for f in decision.findings)
        result[id(node)] = _signature(source, qualname, node, func, decision, findings)
    return result, None


def _cst_functions(body: Sequence[cst.CSTNode]) -> Iterator[cst.FunctionDef]:
    for stmt in body:
        if isinstance(stmt, cst.FunctionDef):
            yield stmt
        if isinstance(stmt, cst.BaseCompoundStatement):
            for suite in child_suites(stmt):
                if isinstance(suite, cst.IndentedBlock):
                    yield from _cst_functions(suite.body)


def _inputs(func: cst.FunctionDef, module: cst.Module) -> list[InputSpec]:
    """Named parameters, as :mod:`flowplan.analyzer.module` reads them."""
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
    source: SourceFile,
    qualname: str,
    node: FunctionNode,
    func: cst.FunctionDef,
    decision: OutputDecision,
    findings: tuple[Diagnostic, ...],
) -> StepSignature:
    inputs = _inputs(func, source.cst)
    args = node.args
    sites = {
        a.arg: (a.lineno, source.column(a.lineno, a.col_offset))
        for a in [*args.posonlyargs, *args.args, *args.kwonlyargs]
    }
    missing = [(i.name, sites[i.name]) for i in inputs if i.annotation is None]
    if node.returns is None and decision.returns_value:
        missing.append(("return", _name_site(source, node)))
    first_line = node.decorator_list[0].lineno if node.decorator_list else node.lineno
    return StepSignature(
        name=node.name,
        qualname=qualname,
        path=source.path,
        line=first_line,
        column=source.column(node.lineno, node.col_offset),
        inputs=tuple(inputs),
        outputs=decision.outputs,
        multi_output=decision.multi_output,
        return_annotation=decision.return_annotation,
        code_hash="",
        diagnostics=findings,
        missing_annotations=tuple(name for name, _ in missing),
        missing_annotation_sites=tuple(site for _, site in missing),
    )


def _name_site(source: SourceFile, node: FunctionNode) -> tuple[int, int]:
    """Where the def's name is written (for a missing return annotation)."""
    start = source.column(node.lineno, node.col_offset)
    text = source.lines[node.lineno - 1] if node.lineno <= len(source.lines) else ""
    match = _DEF_KEYWORD.match(text, start - 1)
    return node.lineno, (match.end() + 1 if match else start)


def _located(
    path: str, finding: Finding, positions: Mapping[cst.CSTNode, CodeRange]
) -> Diagnostic:
    where = positions[finding.node]
    return codes.make(
        finding.code,
        finding.message,
        path=path,
        line=where.start.line,
        column=where.start.column + 1,
        end_line=where.end.line,
        end_column=where.end.column + 1,
        fix=finding.fix,
    )
