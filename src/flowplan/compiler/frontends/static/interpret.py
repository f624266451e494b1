"""Running a pipeline body statically: one deterministic pass over its statements.

A condition that cannot be known (an ``if`` on a parameter without a value) is decided by a
:class:`Tape`; :func:`flowplan.compiler.frontends.static.plans.check_pipeline` replays the body once
per combination of decisions, so each branch is traced as if it ran alone (DESIGN decision
15).  A loop over something unknown runs its body once and marks the plan partial.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from flowplan.compiler import recording
from flowplan.compiler.frontends.static import operations as ops
from flowplan.compiler.frontends.static.evaluate import Evaluator, Site
from flowplan.compiler.frontends.static.values import (
    ArtifactMisuse,
    StaticArtifact,
    StepRef,
    Unknown,
)
from flowplan.diagnostics import Diagnostic
from flowplan.messages import wiring

if TYPE_CHECKING:
    from flowplan.analyzer.source import SourceFile
    from flowplan.compiler.frontends.static.calls import Run
    from flowplan.compiler.plan import Invocation


@dataclass
class StepCall:
    """A step call the front end followed, for the lint rules that inspect calls (a record,
    never changed: not ``frozen``, which costs a call per field on construction)."""

    source: SourceFile
    node: ast.Call
    step: StepRef
    id: str
    pipeline: str


@dataclass
class Tape:
    """The decisions taken at unknown conditions: replayed from ``prefix``, then ``True``."""

    prefix: list[bool] = field(default_factory=list)
    taken: list[bool] = field(default_factory=list)

    def choose(self) -> bool:
        index = len(self.taken)
        value = self.prefix[index] if index < len(self.prefix) else True
        self.taken.append(value)
        return value


@dataclass
class Trace:
    """What one pass records -- the tracer's bookkeeping, plus what the lint rules read."""

    pipeline: str
    invocations: list[Invocation] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    broken: set[tuple[str, int, int]] = field(default_factory=set)  # calls a run refuses
    partial: list[str] = field(default_factory=list)
    symbolic_ids: bool = False
    counts: dict[str, int] = field(default_factory=dict)
    ids: set[str] = field(default_factory=set)
    step_calls: list[Any] = field(default_factory=list)
    returned: Any = None

    def next_id(self, name: str) -> str:
        return recording.next_id(name, self.counts, self.ids)

    def report(self, diagnostic: Diagnostic) -> None:
        if diagnostic not in self.diagnostics:
            self.diagnostics.append(diagnostic)


def location(site: Site) -> tuple[str, int, int]:
    source, node = site
    return source.where(node)  # type: ignore[arg-type]


class Body:
    """Executes statements of one function activation (a pipeline or an inlined helper)."""

    def __init__(self, run: Run, ev: Evaluator, tape: Tape) -> None:
        self.run = run
        self.ev = ev
        self.tape = tape
        self.flow: str | None = None  # "return", "break", "continue", "raise"
        self.returned: Any = None

    def block(self, statements: list[ast.stmt]) -> None:
        for stmt in statements:
            if self.flow is not None:
                return
            self.statement(stmt)

    def statement(self, stmt: ast.stmt) -> None:
        kind = type(stmt)
        handler = _HANDLERS.get(kind, _HANDLERS)  # looked up once per kind of statement
        if handler is _HANDLERS:
            handler = _HANDLERS[kind] = getattr(Body, f"_{kind.__name__}", None)
        if handler is not None:
            handler(self, stmt)
        elif not isinstance(stmt, (ast.Pass, ast.Global, ast.Nonlocal)):
            self.unsupported(stmt)

    def unsupported(self, stmt: ast.stmt) -> None:
        kind = type(stmt).__name__.lower()
        self.run.trace.partial.append(f"line {stmt.lineno}: a `{kind}` statement is not followed")
        for node in ast.walk(stmt):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                self.ev.names[node.id] = Unknown(f"assigned in a `{kind}` statement")

    def _Expr(self, stmt: ast.Expr) -> None:
        self.ev.value(stmt.value)

    def _Assign(self, stmt: ast.Assign) -> None:
        value = self.ev.value(stmt.value)
        for target in stmt.targets:
            if type(target) is ast.Name:  # ``ev.assign`` of the common case
                self.ev.names[target.id] = value
            else:
                self.ev.assign(target, value, stmt)

    def _AnnAssign(self, stmt: ast.AnnAssign) -> None:
        if stmt.value is not None:
            self.ev.assign(stmt.target, self.ev.value(stmt.value), stmt)

    def _AugAssign(self, stmt: ast.AugAssign) -> None:
        current = self.ev.value(stmt.target)  # evaluated as a load: ctx is not looked at
        value = self.ev.value(stmt.value)
        try:
            result = ops.binary(ops.INPLACE[type(stmt.op)], current, value)
        except ArtifactMisuse as exc:
            self.ev.refuse(exc, stmt)
            result = Unknown("an artifact used as a value")
        self.ev.assign(stmt.target, result, stmt)

    def _If(self, stmt: ast.If) -> None:
        refusals = self.ev.refusals
        truth = self.ev.truth(stmt.test)
        if truth is None:  # a traced run stops at a refused condition: follow one branch
            truth = True if self.ev.refusals > refusals else self.tape.choose()
        self.block(stmt.body if truth else stmt.orelse)

    def _For(self, stmt: ast.For) -> None:
        items = self.ev.iterate(stmt.iter)
        if items is None:
            self.run.trace.partial.append(
                f"line {stmt.lineno}: a loop over `{ast.unparse(stmt.iter)}`, whose items are "
                "not known statically, is followed once"
            )
            self.run.trace.symbolic_ids = True
            target = ast.unparse(stmt.target)
            self.ev.assign(stmt.target, Unknown("a loop variable", text="{" + target + "}"), stmt)
            self.block(stmt.body)
            self.flow = None if self.flow in ("break", "continue") else self.flow
            return
        for item in items:
            self.ev.assign(stmt.target, item, stmt)
            self.block(stmt.body)
            if self.flow == "continue":
                self.flow = None
            if self.flow is not None:
                break
        if self.flow == "break":
            self.flow = None
        elif self.flow is None:
            self.block(stmt.orelse)

    def _While(self, stmt: ast.While) -> None:
        truth = self.ev.truth(stmt.test)
        if truth is False:
            self.block(stmt.orelse)
            return
        self.run.trace.partial.append(f"line {stmt.lineno}: a `while` loop is followed once")
        self.run.trace.symbolic_ids = True
        self.block(stmt.body)
        self.flow = None if self.flow in ("break", "continue") else self.flow

    def _With(self, stmt: ast.With) -> None:
        for item in stmt.items:
            self.ev.value(item.context_expr)
            if item.optional_vars is not None:
                self.ev.assign(item.optional_vars, Unknown("a context manager's value"), stmt)
        self.block(stmt.body)

    def _Try(self, stmt: ast.Try) -> None:
        self.block(stmt.body)
        if self.flow is None:
            self.block(stmt.orelse)
        saved, self.flow = self.flow, None
        self.block(stmt.finalbody)
        self.flow = self.flow or saved

    def _Return(self, stmt: ast.Return) -> None:
        self.returned = None if stmt.value is None else self.ev.value(stmt.value)
        self.flow = "return"

    def _Break(self, stmt: ast.Break) -> None:
        self.flow = "break"

    def _Continue(self, stmt: ast.Continue) -> None:
        self.flow = "continue"

    def _Raise(self, stmt: ast.Raise) -> None:
        self.run.trace.partial.append(f"line {stmt.lineno}: the pipeline raises here")
        self.flow = "raise"

    def _Assert(self, stmt: ast.Assert) -> None:
        self.ev.truth(stmt.test)

    def _Delete(self, stmt: ast.Delete) -> None:
        for target in stmt.targets:
            if isinstance(target, ast.Name):
                self.ev.names.pop(target.id, None)

    def _FunctionDef(self, stmt: ast.FunctionDef) -> None:
        self.ev.names[stmt.name] = Unknown("a function defined inside a pipeline")

    _AsyncFunctionDef = _ClassDef = _FunctionDef

    def _Import(self, stmt: ast.Import | ast.ImportFrom) -> None:
        from flowplan.analyzer.imports import import_map, package_of

        source = self.ev.facts.source
        package = package_of(source.module, source.path.endswith("__init__.py"))
        for name, qualified in import_map([stmt], package).names.items():
            self.ev.names[name] = self.ev.facts.program.resolve(qualified, self.ev.facts)

    _ImportFrom = _Import


_HANDLERS: dict[type, Any] = {}  # ``Body._<StatementType>`` by statement type, once looked up


def misuse_diagnostic(
    site: Site, exc: ArtifactMisuse, pipeline: str, unpacking: bool
) -> Diagnostic:
    """FP204 (or FP205 for an unpacking) with the tracer's words, at ``site``."""
    path, line, column = location(site)
    end_line, end_column = site[0].end(site[1])  # type: ignore[arg-type]
    artifact: StaticArtifact = exc.artifact
    if unpacking and exc.what == "iterated":
        return wiring.unpacking_single_output(
            artifact.invocation_id, bool(artifact.output_name), path, line, column, end_line,
            end_column,
        )
    return wiring.artifact_as_value(
        repr(artifact), exc.what, pipeline, path, line, column, end_line, end_column
    )
