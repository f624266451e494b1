"""Recording one step call in a pipeline body read statically: what the static front end
adds to :mod:`flowplan.compiler.recording`, which it shares with the tracer."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Any

from flowplan.compiler import recording
from flowplan.compiler.binding import bind
from flowplan.compiler.frontends.static.interpret import StepCall, location
from flowplan.compiler.frontends.static.operations import is_plain
from flowplan.compiler.frontends.static.templates import StepTemplate, step_template
from flowplan.compiler.frontends.static.values import StaticArtifact, StepRef, Unknown, is_known
from flowplan.compiler.plan import (
    Invocation,
    ParameterInput,
    SourceLocation,
    StepInput,
)
from flowplan.diagnostics import Diagnostic

if TYPE_CHECKING:
    from flowplan.compiler.frontends.static.calls import Run
    from flowplan.compiler.frontends.static.evaluate import Evaluator

Where = tuple[str, int, int]


def template_of(run: Run, step: StepRef) -> StepTemplate:
    found = run.templates.get(id(step))
    if found is None or found[0] is not step:
        found = run.templates[id(step)] = (step, step_template(step))
    template: StepTemplate = found[1]
    return template


def record_step_call(
    run: Run, ev: Evaluator, step: StepRef, node: ast.Call, args: list[Any],
    kwargs: dict[str, Any],
) -> Any:
    definition = step.definition
    if not definition.is_function:
        return Unknown("a step that is not a function")
    site = ev.site(node)
    where = location(site)
    template = template_of(run, step)
    sig = definition.signature
    trace = run.trace
    if kwargs:
        custom_id, after, kwargs = recording.call_keywords(kwargs, sig.input_names)
    else:  # no keywords: no id=, no after=
        custom_id = after = None
    problems: list[Diagnostic] = [*template.problems, *template.options.problems]
    if sig.diagnostics:
        problems[:0] = sig.errors
    inv_id = _assign_id(run, template.options.name, custom_id, where, problems)
    binding = bind(inv_id, sig.inputs, len(args), list(kwargs), where)
    problems += binding.problems
    values = dict(zip(binding.positional, args, strict=False))
    for keyword in binding.keywords:
        values[keyword] = kwargs[keyword]
    inputs: dict[str, StepInput] = {}
    for name, value in values.items():
        converted = recording.convert_input(
            inv_id, name, value, template.hints, where, problems, (StepRef,),
            _never, _opaque_input,
        )
        if converted is not None:
            inputs[name] = converted
    invocation = Invocation(
        id=inv_id,
        step=template.options.name,
        source=template.source,
        location=SourceLocation(path=where[0], line=where[1], column=where[2]),
        inputs=inputs,
        after=[] if after is None else recording.after_ids(
            inv_id, after, where, problems, lambda item: _opaque_after(run, item)
        ),
        input_defs=template.input_defs,
        outputs=template.output_defs(trace.pipeline, inv_id),
        config=template.config,
    )
    trace.invocations.append(invocation)
    trace.step_calls.append(StepCall(site[0], node, step, inv_id, trace.pipeline))
    if problems:
        for problem in problems:
            trace.report(problem)
        trace.broken.add(where)
    outputs = [StaticArtifact(inv_id, out.name) for out in invocation.outputs]
    if not outputs:
        return StaticArtifact(inv_id, None)
    return tuple(outputs) if sig.multi_output else outputs[0]


def _assign_id(
    run: Run, name: str, custom: object, where: Where, problems: list[Diagnostic]
) -> str:
    """:func:`flowplan.compiler.recording.assign_id`, and an id not known statically."""
    trace = run.trace
    if not isinstance(custom, Unknown):
        return recording.assign_id(
            name, custom, trace.pipeline, trace.counts, trace.ids, where, problems
        )
    trace.symbolic_ids = True
    if custom.text is None:
        trace.partial.append(f"line {where[1]}: an id not known statically")
    inv_id = custom.text or trace.next_id(name)
    trace.ids.add(inv_id)
    return inv_id


def _never(value: object) -> bool:
    return False  # every static artifact belongs to the pipeline being read


def _opaque_input(value: object) -> StepInput | None:
    """The input for a value not known statically (a pipeline parameter, say), else None."""
    if isinstance(value, Unknown):
        return ParameterInput(value=None, pipeline_parameter=value.parameter)
    if not is_known(value) or not _plain(value):
        return ParameterInput(value=None)
    return None


def _plain(value: object) -> bool:
    if isinstance(value, (list, tuple, set, frozenset)):
        return all(_plain(v) for v in value)
    if isinstance(value, dict):
        return all(_plain(k) and _plain(v) for k, v in value.items())
    return is_plain(value)


def _opaque_after(run: Run, item: object) -> str | bool:
    """An ``after=`` item not known statically: its id if its text is known, else skipped."""
    if not isinstance(item, Unknown):
        return False
    run.trace.symbolic_ids = True
    return item.text if item.text is not None else True
