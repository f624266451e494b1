"""Compile a pipeline: bind its parameters, trace its body, validate the Plan."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from flowplan.compiler.frontends.replay import TraceRecord
from flowplan.compiler.frontends.trace import Tracer, Where, function_code
from flowplan.compiler.invocation import hook_ref
from flowplan.compiler.params import to_parameter
from flowplan.compiler.pipeline_definition import CompiledPipeline, PipelineDefinition
from flowplan.compiler.placeholders import Artifact, _is_unpacking
from flowplan.compiler.typeforms import type_hints
from flowplan.diagnostics import CompileError, Diagnostic, Severity, raise_if_errors
from flowplan.messages import wiring
from flowplan.plain_functions import BoundCall, bind, parameters

if TYPE_CHECKING:
    from traceback import FrameSummary

    from flowplan.compiler.plan import ArtifactRef, Plan
    from flowplan.compiler.runconfig import RunConfiguration
    from flowplan.compiler.tracing_state import ActiveTracer


def bind_parameters(
    pipe: PipelineDefinition,
    args: Sequence[Any],
    params: dict[str, Any],
    where: Where | None = None,
) -> BoundCall:
    """Bind a pipeline's arguments, defaults applied; FP213 at ``where`` (the call inside an
    outer pipeline's body), else at the pipeline's def."""
    path, line, column = where or (*pipe.location, None)
    try:
        return bind(pipe.entrypoint, args, params)
    except TypeError as exc:
        known = [p.name for p in parameters(pipe.entrypoint)]
        raise CompileError(
            wiring.pipeline_arguments(pipe.name, exc, known, params, path, line, column)
        ) from None


def _json_parameters(
    pipe: PipelineDefinition, bound: BoundCall
) -> tuple[dict[str, Any], list[Diagnostic]]:
    if not bound.arguments:  # (resolving the hints evaluates every annotation again)
        return {}, []
    path, line = pipe.location
    hints = type_hints(pipe.entrypoint)
    out: dict[str, Any] = {}
    problems: list[Diagnostic] = []
    for name, value in bound.arguments.items():
        converted, bad = to_parameter(
            value, hints.get(name), f"pipeline `{pipe.name}`", name, (path, line, None)
        )
        problems += bad
        out[name] = converted
    return out, problems


def _trace_body(
    pipe: PipelineDefinition, tracer: Tracer, bound: BoundCall
) -> Any:
    code = function_code(pipe.entrypoint)
    if code is not None:
        tracer.body_codes.add(code)
    try:
        return pipe.entrypoint(*bound.args, **bound.kwargs)
    except ValueError as exc:
        unpack = _unpack_error(exc, tracer)
        if unpack is None:
            raise
        raise CompileError(unpack) from None


def _unpack_error(exc: ValueError, tracer: Tracer) -> Diagnostic | None:
    """Turn Python's "too many/not enough values to unpack" in a pipeline body into FP205."""
    if "unpack" not in str(exc):
        return None
    tb = exc.__traceback__
    while tb is not None:
        frame = tb.tb_frame
        if frame.f_code in tracer.body_codes and tb.tb_next is None and _is_unpacking(frame):
            import traceback  # only for this error

            summary = traceback.extract_tb(tb, limit=1)[0]
            return wiring.unpacking_failed(
                tracer.pipeline_name, exc, summary.filename, summary.lineno, _column(summary)
            )
        tb = tb.tb_next
    return None


def _output_refs(
    pipe: PipelineDefinition, result: Any
) -> tuple[list[ArtifactRef], list[Diagnostic]]:
    from flowplan.compiler.plan import ArtifactRef

    if result is None:
        return [], []
    items = list(result) if isinstance(result, tuple) else [result]
    refs, problems = [], []
    for item in items:
        if isinstance(item, Artifact) and item.output_name is not None:
            refs.append(ArtifactRef(step=item.invocation_id, output=item.output_name))
        else:
            path, line = pipe.location
            problems.append(
                wiring.pipeline_returns_non_artifact(pipe.name, item, path, line)
            )
    return refs, problems


def _run_config(
    pipe: PipelineDefinition, given: RunConfiguration | None
) -> RunConfiguration | None:
    if given is not None:
        return given
    return pipe.run_config


def _with_configured_parameters(pipe: PipelineDefinition, params: dict[str, Any]) -> dict[str, Any]:
    """Call parameters on top of ``parameters=`` given to the pipeline; a parameter given both
    ways with different values is FP316."""
    if not pipe.parameters:
        return params
    from flowplan.messages.settings import parameter_conflict

    problems = [
        parameter_conflict(f"pipeline `{pipe.name}`", name, pipe.parameters[name], value,
                           pipe.location)
        for name, value in params.items()
        if name in pipe.parameters and pipe.parameters[name] != value
    ]
    if problems:
        raise CompileError(problems)
    return {**pipe.parameters, **params}


def compile_pipeline(
    pipe: PipelineDefinition,
    args: Sequence[Any],
    params: dict[str, Any],
    run_config: RunConfiguration | None = None,
    *,
    for_run: bool = False,
) -> CompiledPipeline:
    """Compile ``pipe``; a run configuration (given, or from ``config_path``) applies on top.

    ``for_run``: the plan goes to this process's run of it and never to the caller; then the
    pipeline's previous trace is followed while its calls are the same (see
    :mod:`flowplan.compiler.frontends.replay`).  Otherwise the plan is the caller's own: it
    shares nothing that can change with the steps' templates, which later compiles read."""
    from flowplan.compiler.plan import Plan, StepSource
    from flowplan.compiler.validate import validate

    config = _run_config(pipe, run_config)
    if config is not None:
        from flowplan.compiler import configure_run

        if run_config is not None:  # a ``config_path`` file was applied when it was given
            pipe = configure_run.configured(pipe, config)
        params = configure_run.pipeline_parameters(pipe, config, params)
    params = _with_configured_parameters(pipe, params)
    bound = bind_parameters(pipe, args, params)
    parameters, problems = _json_parameters(pipe, bound)
    if problems:
        raise CompileError(problems)
    tracer = Tracer(pipe.name)
    record = None
    if for_run and config is None:  # (a run configuration changes the traced invocations)
        tracer.shapes = []
        record = pipe.trace_record
        if isinstance(record, TraceRecord) and record.pipeline_name == pipe.name:
            tracer.replay = record
    with tracer.active():
        result = _trace_body(pipe, tracer, bound)
    outputs, problems = _output_refs(pipe, result)
    if not tracer.invocations:
        problems.append(wiring.empty_pipeline(pipe.name, *pipe.location))
    if config is not None:
        from flowplan.compiler import configure_run

        problems += configure_run.check_config(pipe, config, tracer)
        if not problems:
            configure_run.apply_step_overrides(config, tracer)
    if problems:
        raise CompileError(problems)
    path, line = pipe.location
    plan = Plan(
        pipeline=pipe.name,
        source=StepSource(
            module=pipe.entrypoint.__module__ or "__main__",
            qualname=pipe.entrypoint.__qualname__,
            path=path,
            line=line,
        ),
        parameters=parameters,
        config=_pipeline_config(pipe),
        invocations=tracer.invocations,
        outputs=outputs,
    )
    # The plan's one serialisation (none when the trace followed the previous one): its
    # hash keys the validator's verdict and the run's stored plan (content-addressed: a
    # rerun of an unchanged pipeline stores none).
    plan_json, fingerprint, recorded = _serialised(plan, tracer)
    diagnostics = validate(plan, fingerprint=fingerprint)
    raise_if_errors(diagnostics)
    warnings = tracer.diagnostics + [d for d in diagnostics if d.severity is Severity.WARNING]
    if recorded is not None:
        pipe.trace_record = recorded
    elif not for_run:
        _own_parts(plan)
    return CompiledPipeline(
        plan=plan,
        steps=tracer.steps,
        pipeline=pipe,
        warnings=warnings,
        plan_json=plan_json,
        plan_hash=fingerprint,
    )


def _serialised(plan: Plan, tracer: Tracer) -> tuple[str, str, TraceRecord | None]:
    """The plan's compact JSON and hash, and the record of its trace when there is a new one
    to keep (for a run's compile).  A trace that followed the previous one made the very
    invocations written then: their text is taken up, and the whole text, when equal, with
    its hash."""
    from flowplan.compiler.plan import plan_hash
    from flowplan.compiler.plan_json import compact_parts

    if tracer.shapes is None:
        text = plan.to_json()
        return text, plan_hash(text), None
    replay = tracer.replay
    if replay is not None and tracer.replayed():
        text, _ = compact_parts(plan, replay.invocations_text)
        if text == replay.plan_json:
            return replay.plan_json, replay.plan_hash, None
        fingerprint = plan_hash(text)
        return text, fingerprint, TraceRecord(
            plan.pipeline, replay.calls, replay.invocations_text, text, fingerprint
        )
    try:
        text, invocations = compact_parts(plan)
    except RecursionError:  # a value that holds itself: said by the checking writer
        text = plan.to_json()
        return text, plan_hash(text), None
    fingerprint = plan_hash(text)
    return text, fingerprint, TraceRecord(
        plan.pipeline, tuple(tracer.shapes), invocations, text, fingerprint
    )


def _own_parts(plan: Plan) -> None:
    """Give ``plan`` its own copies of what its invocations share with their steps'
    templates (source, input definitions, configuration), which every later compile of
    those steps reads: changing the plan changes no other.  The calls of one step still
    share one copy (one text in the JSON)."""
    copies: dict[int, Any] = {}

    def own(part: Any) -> Any:
        copied = copies.get(id(part))
        if copied is None:
            try:
                copied = copy.deepcopy(part)
            except Exception:  # a value in ``extra`` that cannot be copied: shared, as it was
                copied = part
            copies[id(part)] = copied
        return copied

    for inv in plan.invocations:
        inv.source, inv.input_defs, inv.config = (
            own(inv.source), own(inv.input_defs), own(inv.config)
        )


def _pipeline_config(pipe: PipelineDefinition) -> Any:
    from flowplan.compiler.plan import PipelineConfig

    return PipelineConfig(
        enable_cache=pipe.enable_cache,
        execution_mode=pipe.execution_mode.value,
        run_name=pipe.run_name,
        substitutions=dict(pipe.substitutions),
        settings=dict(pipe.settings),
        on_success=hook_ref(pipe.on_success),
        on_failure=hook_ref(pipe.on_failure),
        extra={**pipe.extra, **({"retry": pipe.retry.to_json()} if pipe.retry else {})},
        tags=list(pipe.tags),
    )


def inline_pipeline(
    pipe: PipelineDefinition, tracer: ActiveTracer, args: Sequence[Any], params: dict[str, Any]
) -> Any:
    """A pipeline called inside another pipeline: its steps join the outer plan."""
    assert isinstance(tracer, Tracer)  # the only tracer there is
    bound = bind_parameters(pipe, args, params, tracer.call_location())
    return _trace_body(pipe, tracer, bound)


def _column(summary: FrameSummary) -> int | None:
    colno = getattr(summary, "colno", None)  # Python 3.11+
    return colno + 1 if isinstance(colno, int) else None
