"""Step signatures for the lint path: the analyzer's reading, without the code hash.

:func:`flowplan.analyzer.analyze.analyze_source` reads every def of a module and hashes each
one's code for the cache key, which costs as much again as parsing.  ``flow check`` needs
neither the hashes nor the signatures of plain functions, so this module runs the analyzer's
own output decision (:func:`~flowplan.analyzer.returns.decide_outputs`) on the step defs
only.  ``tests/lint/test_signatures.py`` holds the two readings equal, hash aside.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import libcst as cst
from libcst.metadata import CodeRange, MetadataWrapper, PositionProvider

from flowplan.analyzer.ast_signatures import FunctionNode, ast_functions
from flowplan.analyzer.deep_stack import deeply
from flowplan.analyzer.module import cst_functions, cst_inputs, decided_signature, located
from flowplan.analyzer.positions import def_name_site
from flowplan.analyzer.returns import (
    decide_outputs,
)
from flowplan.analyzer.signature import StepSignature
from flowplan.analyzer.source import SourceFile, syntax_error
from flowplan.diagnostics import Diagnostic
from flowplan.messages import internal


def _step_signatures(
    source: SourceFile, wanted: Sequence[FunctionNode]
) -> tuple[dict[int, StepSignature], Diagnostic | None]:
    """Signatures of the ``wanted`` defs, keyed by ``id(node)``; FP001 if libcst refuses."""
    assert source.tree is not None
    try:
        module = source.cst
    except cst.ParserSyntaxError as exc:
        return {}, syntax_error(exc.message, source.path, exc.raw_line, exc.raw_column + 1)
    named = list(ast_functions(source.tree.body))
    cst_defs = list(cst_functions(module.body))
    if [d.name.value for d in cst_defs] != [node.name for _, node in named]:
        return {}, internal.parsers_disagree(source.path)
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
        findings = tuple(located(source.path, f, positions) for f in decision.findings)
        result[id(node)] = decided_signature(
            source.path, qualname, node, cst_inputs(func, module), decision, source.column,
            def_name_site(source.lines, node), "", findings,
        )
    return result, None


def step_signatures(
    source: SourceFile, wanted: Sequence[FunctionNode]
) -> tuple[dict[int, StepSignature], Diagnostic | None]:
    """Signatures of the ``wanted`` defs, keyed by ``id(node)``; FP001 if libcst refuses.
    Deeply nested code is read on a large stack (:func:`~flowplan.analyzer.deep_stack.deeply`)."""
    return deeply(_step_signatures, source, wanted)
