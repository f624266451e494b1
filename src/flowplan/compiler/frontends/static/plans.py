"""From a ``@pipeline`` def to validated Plans, without running anything.

:func:`check_pipeline` binds the pipeline's parameters (defaults, or a run configuration's
values), runs its body once per combination of decisions at unknown conditions (decision 15),
builds one :class:`~flowplan.compiler.plan.Plan` per pass and feeds each to the validator
the tracing front end uses.  Problems a traced run would never reach -- the validator's
complaints about a call the tracer refused -- are left out, as are id problems of a pass
whose ids are symbolic (a loop over an unknown number of items).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Any

from flowplan.compiler.frontends.static.calls import Run
from flowplan.compiler.frontends.static.definitions import PipelineDef
from flowplan.compiler.frontends.static.evaluate import Evaluator
from flowplan.compiler.frontends.static.interpret import Body, Tape, Trace
from flowplan.compiler.frontends.static.pipeline_args import default_values
from flowplan.compiler.frontends.static.source_options import Options, configure
from flowplan.compiler.frontends.static.templates import hint
from flowplan.compiler.frontends.static.values import PipelineRef, StaticArtifact, Unknown, is_known
from flowplan.compiler.params import to_parameter
from flowplan.compiler.plan import (
    ArtifactRef,
    ParameterInput,
    PipelineConfig,
    Plan,
    StepSource,
    jsonable,
)
from flowplan.diagnostics import Diagnostic
from flowplan.messages import wiring

MAX_PASSES = 16  # combinations of decisions at unknown conditions explored per pipeline
_SYMBOLIC_CODES = frozenset({"FP202", "FP203"})


@dataclass
class PipelineCheck:
    """What checking one pipeline found: a plan per pass, and every problem."""

    pipeline: PipelineRef
    options: Options
    traces: list[Trace] = field(default_factory=list)
    plans: list[Plan] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    parameters: dict[str, Any] = field(default_factory=dict)

    @property
    def partial(self) -> list[str]:
        return sorted({reason for trace in self.traces for reason in trace.partial})


def check_pipeline(
    ref: PipelineRef, parameters: dict[str, Any] | None = None,
    templates: dict[int, Any] | None = None,
    step_parameters: dict[str, dict[str, Any]] | None = None,
) -> PipelineCheck:
    """Plans and problems of ``ref``; ``parameters`` override its defaults, and
    ``step_parameters`` (a run configuration's ``steps.<id>.parameters``) are given to the
    invocations they name, as a run applies them before validating."""
    defn: PipelineDef = ref.definition
    options = configure(defn, [dict(ref.options)] if ref.options else [])
    check = PipelineCheck(ref, options, diagnostics=list(options.problems))
    if not isinstance(defn.node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return check
    values = _parameters(defn, defn.node, parameters or {}, options.name, check)
    templates = {} if templates is None else templates
    pending: list[list[bool]] = [[]]
    while pending and len(check.traces) < MAX_PASSES:
        tape = Tape(pending.pop())
        trace = _one_pass(defn, options, values, tape, templates)
        check.traces.append(trace)
        pending += [[*tape.taken[:i], not tape.taken[i]]
                    for i in range(len(tape.prefix), len(tape.taken))]
        plan = _plan(defn, options, check.parameters, trace)
        if step_parameters:  # a name the step lacks is FP007, in the configuration
            for inv in plan.invocations:
                defined = {d.name for d in inv.input_defs}
                for name, value in step_parameters.get(inv.id, {}).items():
                    if name in defined:
                        inv.inputs.setdefault(name, ParameterInput(value=value))
        _finish(check, trace, plan)
    if pending:
        check.traces[-1].partial.append(
            f"only {MAX_PASSES} combinations of branches on unknown values were followed")
    return check


def _parameters(defn: PipelineDef, func: ast.FunctionDef | ast.AsyncFunctionDef,
                given: dict[str, Any], name: str, check: PipelineCheck) -> dict[str, Any]:
    path, line = defn.location
    values = {**default_values(defn.facts, func), **given}
    args = [*func.args.posonlyargs, *func.args.args, *func.args.kwonlyargs]
    hints = {a.arg: hint(None if a.annotation is None else ast.unparse(a.annotation),
                         defn.facts) for a in args}
    for param in (a.arg for a in args):
        value = values.get(param, Unknown("a pipeline parameter without a value",
                                          text="{" + param + "}", parameter=param))
        values[param] = value
        if not is_known(value):
            continue
        converted, bad = to_parameter(value, hints.get(param), f"pipeline `{name}`", param,
                                      (path, line, None))
        check.diagnostics += bad
        if not bad:
            check.parameters[param] = converted
    return values


def _one_pass(defn: PipelineDef, options: Options, values: dict[str, Any], tape: Tape,
              templates: dict[int, Any]) -> Trace:
    run = Run(options.name, tape, templates)
    body = Body(run, Evaluator(defn.facts, dict(values), frame=run), tape)
    body.block(defn.node.body)
    run.trace.returned = body.returned
    return run.trace


def _plan(defn: PipelineDef, options: Options, parameters: dict[str, Any],
          trace: Trace) -> Plan:
    path, line = defn.location
    return Plan(
        pipeline=options.name,
        source=StepSource(module=defn.facts.source.module, qualname=defn.qualname, path=path,
                          line=line),
        parameters=dict(parameters),
        config=PipelineConfig(
            enable_cache=options.enable_cache,
            execution_mode=options.execution_mode,
            run_name=options.run_name,
            substitutions=dict(options.substitutions),
            settings=dict(options.settings),
            on_success=options.hooks.get("on_success"),
            on_failure=options.hooks.get("on_failure"),
            extra={**options.extra,
                   **({"retry": jsonable(options.retry)} if options.retry else {})},
        ),
        invocations=list(trace.invocations),
    )


def _finish(check: PipelineCheck, trace: Trace, plan: Plan) -> None:
    outputs, problems = _outputs(check, trace.returned)
    plan.outputs = outputs
    check.plans.append(plan)
    found = [*trace.diagnostics, *problems]
    for d in validate_plan(plan):
        if (d.path, d.line, d.column) in trace.broken:
            continue  # a traced run stops at that call before the validator runs
        if trace.symbolic_ids and d.code in _SYMBOLIC_CODES:
            continue
        found.append(d)
    for d in found:
        if d not in check.diagnostics:
            check.diagnostics.append(d)


def _outputs(check: PipelineCheck, result: Any) -> tuple[list[ArtifactRef], list[Diagnostic]]:
    if result is None or isinstance(result, Unknown):
        return [], []
    items = list(result) if isinstance(result, tuple) else [result]
    refs, problems = [], []
    path, line = check.pipeline.definition.location
    for item in items:
        if isinstance(item, StaticArtifact) and item.output_name is not None:
            refs.append(ArtifactRef(step=item.invocation_id, output=item.output_name))
        elif not isinstance(item, Unknown):
            problems.append(
                wiring.pipeline_returns_non_artifact(check.options.name, item, path, line)
            )
    return refs, problems


def validate_plan(plan: Plan) -> list[Diagnostic]:
    """``validate(plan, use_cache=False)``, without importing networkx for an acyclic plan:
    the validator's own checks, and its cycle check only when a cheap sort finds a cycle."""
    from flowplan.compiler.validate import CHECKS, check_acyclic

    problems = [d for check in CHECKS for d in check(plan)]
    if not any(d.code in ("FP202", "FP218") for d in problems) and _has_cycle(plan):
        problems.extend(check_acyclic(plan))
    problems.sort(key=Diagnostic.sort_key)
    return problems


def _has_cycle(plan: Plan) -> bool:
    """Whether the plan's edges close a cycle (Kahn's count: every node is released once
    its producers are, unless some wait on each other).  Calls recorded in an order where
    each comes after everything it waits for -- the usual case -- close none."""
    recorded: set[str] = set()
    for inv in plan.invocations:
        if not recorded.issuperset(inv.upstream()):
            break
        recorded.add(inv.id)
    else:
        return False
    waiting: dict[str, int] = {inv.id: 0 for inv in plan.invocations}
    readers: dict[str, list[str]] = {}
    for upstream, downstream in plan.edges():
        waiting[downstream] = waiting.get(downstream, 0) + 1
        waiting.setdefault(upstream, 0)
        readers.setdefault(upstream, []).append(downstream)
    ready = [node for node, count in waiting.items() if count == 0]
    released = 0
    while ready:
        node = ready.pop()
        released += 1
        for reader in readers.get(node, ()):
            waiting[reader] -= 1
            if waiting[reader] == 0:
                ready.append(reader)
    return released != len(waiting)
