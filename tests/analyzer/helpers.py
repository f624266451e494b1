"""Helpers to analyse source text in tests."""

from __future__ import annotations

import textwrap

from flowplan.analyzer.analyze import analyze_source
from flowplan.analyzer.module_analysis import ModuleAnalysis
from flowplan.analyzer.signature import StepSignature


def analyze(source: str, path: str = "steps.py") -> ModuleAnalysis:
    return analyze_source(textwrap.dedent(source), path)


def signature(source: str, name: str | None = None) -> StepSignature:
    """The signature of the function ``name`` (default: the only or last top-level one)."""
    analysis = analyze(source)
    assert analysis.syntax_error is None, analysis.syntax_error
    if name is None:
        return list(analysis.functions.values())[-1]
    return analysis.functions[name]


def expected_codes(source: str) -> set[tuple[str, int]]:
    """The ``# expect: FPxxx[, FPyyy]`` markers of ``source``, as (code, line) pairs."""
    found = set()
    for number, line in enumerate(textwrap.dedent(source).splitlines(), start=1):
        if "# expect:" in line:
            for code in line.split("# expect:")[1].split(","):
                found.add((code.strip(), number))
    return found


def reported_codes(analysis: ModuleAnalysis) -> set[tuple[str, int]]:
    return {(d.code, d.line or 0) for sig in analysis.by_line.values() for d in sig.diagnostics}
