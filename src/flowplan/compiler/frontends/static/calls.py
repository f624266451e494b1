"""Calls inside a pipeline body, recorded as the tracer records them (DESIGN decision 3).

:class:`Run` mirrors :class:`flowplan.compiler.frontends.trace.Tracer`: ids, ``step_name=`` as an
alias of ``id=``, argument binding (the shared :func:`~flowplan.compiler.binding.bind`), inputs,
``after=``; a composed pipeline is inlined under the same id rules, and a plain helper
function called from the body is followed, its step calls located at the helper's call.
"""

from __future__ import annotations

import ast
from typing import Any

from flowplan.compiler.frontends.static import references
from flowplan.compiler.frontends.static.evaluate import Evaluator, Site
from flowplan.compiler.frontends.static.interpret import (
    Body,
    Tape,
    Trace,
    location,
    misuse_diagnostic,
)
from flowplan.compiler.frontends.static.pipeline_args import bind_arguments
from flowplan.compiler.frontends.static.steps import record_step_call
from flowplan.compiler.frontends.static.values import (
    ArtifactMisuse,
    FunctionRef,
    PipelineRef,
    StepRef,
    Unknown,
)
from flowplan.messages import wiring

MAX_DEPTH = 12  # nested pipelines and helpers followed


class Run:
    """One pass over a pipeline body (the static tracer)."""

    def __init__(self, pipeline: str, tape: Tape, templates: dict[int, Any]) -> None:
        self.trace = Trace(pipeline)
        self.tape = tape
        self.templates = templates
        self.depth = 0

    # -- Frame ---------------------------------------------------------------------------
    def call(
        self, ev: Evaluator, func: Any, node: ast.Call, args: list[Any], kwargs: dict[str, Any]
    ) -> Any:
        if isinstance(func, StepRef):
            return record_step_call(self, ev, func, node, args, kwargs)
        if isinstance(func, PipelineRef):
            return self.inline(ev, func.definition.facts, func.definition.node, node, args,
                               kwargs, pipeline=func)
        if isinstance(func, FunctionRef) and isinstance(func.node, ast.FunctionDef):
            return self.inline(ev, func.module, func.node, node, args, kwargs, pipeline=None)
        return references.special_call(ev, func, node, args, kwargs)

    def misuse(self, site: Site, exc: ArtifactMisuse, unpacking: bool) -> None:
        self.trace.report(misuse_diagnostic(site, exc, self.trace.pipeline, unpacking))

    def unpack_failed(self, site: Site, message: str) -> None:
        path, line, column = location(site)
        self.trace.report(wiring.unpacking_failed(self.trace.pipeline, message, path, line, column))

    # -- inlining ------------------------------------------------------------------------
    def inline(
        self, ev: Evaluator, facts: Any, func: ast.FunctionDef | ast.AsyncFunctionDef |
        ast.ClassDef, node: ast.Call, args: list[Any], kwargs: dict[str, Any],
        pipeline: PipelineRef | None,
    ) -> Any:
        """Follow a composed pipeline (its body is traced where it is) or a helper function
        (its step calls are located at this call, as the tracer locates them)."""
        if isinstance(func, ast.ClassDef) or self.depth >= MAX_DEPTH:
            return Unknown("a call too deeply nested to follow")
        where = location(ev.site(node))
        bound = bind_arguments(facts, func, args, kwargs, pipeline, where)
        if isinstance(bound, Unknown):
            return bound
        if not isinstance(bound, dict):
            self.trace.report(bound)
            self.trace.broken.add(where)
            return Unknown("a pipeline called with wrong arguments")
        inner = Evaluator(facts, bound, frame=self)
        if pipeline is None:
            inner.anchor = ev.site(node)
        body = Body(self, inner, self.tape)
        self.depth += 1
        try:
            body.block(func.body)
        finally:
            self.depth -= 1
        return body.returned
