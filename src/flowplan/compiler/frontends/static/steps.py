"""Recording one step call -- the static twin of ``Tracer.call_step``, with its messages."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Any

from flowplan.compiler.binding import bind
from flowplan.compiler.frontends.static.interpret import location
from flowplan.compiler.frontends.static.operations import is_plain
from flowplan.compiler.frontends.static.values import StaticArtifact, StepRef, Unknown, is_known
from flowplan.compiler.params import to_parameter
from flowplan.compiler.plan import (
    ArtifactListInput,
    ArtifactRef,
    Invocation,
    ParameterInput,
    SourceLocation,
    StepInput,
)
from flowplan.compiler.reference import holds_reference
from flowplan.diagnostics import Diagnostic
from flowplan.messages import wiring

if TYPE_CHECKING:
    from flowplan.compiler.frontends.static.calls import Run
    from flowplan.compiler.frontends.static.evaluate import Evaluator
    from flowplan.compiler.frontends.static.templates import StepTemplate

Where = tuple[str, int, int]


def template_of(run: Run, step: StepRef) -> StepTemplate:
    from flowplan.compiler.frontends.static.templates import step_template

    found = run.templates.get(id(step))
    if found is None or found[0] is not step:
        found = run.templates[id(step)] = (step, step_template(step))
    template: StepTemplate = found[1]
    return template


def record_step_call(
    run: Run, ev: Evaluator, step: StepRef, node: ast.Call, args: list[Any],
    kwargs: dict[str, Any],
) -> Any:
    from flowplan.compiler.frontends.static.calls import StepCall

    if not step.definition.is_function:
        return Unknown("a step that is not a function")
    where = location(ev.site(node))
    template = template_of(run, step)
    sig = step.definition.signature
    kwargs = dict(kwargs)
    custom_id = kwargs.pop("id", None)
    if custom_id is None and "step_name" in kwargs and "step_name" not in sig.input_names:
        custom_id = kwargs.pop("step_name")
    after = kwargs.pop("after", None)
    problems: list[Diagnostic] = [*sig.errors, *template.problems, *template.options.problems]
    inv_id = _assign_id(run, template.options.name, custom_id, where, problems)
    binding = bind(inv_id, sig.inputs, len(args), list(kwargs), where)
    problems += binding.problems
    values = dict(zip(binding.positional, args, strict=False))
    values.update({k: kwargs[k] for k in binding.keywords})
    inputs: dict[str, StepInput] = {}
    for name, value in values.items():
        converted = _convert(inv_id, name, value, template.hints.get(name), where, problems)
        if converted is not None:
            inputs[name] = converted
    invocation = Invocation(
        id=inv_id,
        step=template.options.name,
        source=template.source,
        location=SourceLocation(path=where[0], line=where[1], column=where[2]),
        inputs=inputs,
        after=_after_ids(run, inv_id, after, where, problems),
        input_defs=template.input_defs,
        outputs=template.output_defs(run.trace.pipeline, inv_id),
        config=template.config,
    )
    run.trace.invocations.append(invocation)
    run.trace.step_calls.append(StepCall(ev.site(node)[0], node, step, inv_id,
                                         run.trace.pipeline))
    for problem in problems:
        run.trace.report(problem)
    if problems:
        run.trace.broken.add(where)
    outputs = [StaticArtifact(inv_id, out.name) for out in invocation.outputs]
    if not outputs:
        return StaticArtifact(inv_id, None)
    return tuple(outputs) if sig.multi_output else outputs[0]


def _assign_id(
    run: Run, name: str, custom: object, where: Where, problems: list[Diagnostic]
) -> str:
    trace = run.trace
    path, line, column = where
    if isinstance(custom, Unknown):
        trace.symbolic_ids = True
        if custom.text is None:
            trace.partial.append(f"line {line}: an id not known statically")
        inv_id = custom.text or trace.next_id(name)
    elif custom is None:
        inv_id = trace.next_id(name)
    elif not isinstance(custom, str) or not custom.strip():
        problems.append(wiring.invalid_id(name, custom, path, line, column))
        inv_id = trace.next_id(name)
    else:
        inv_id = custom
        if inv_id in trace.ids:
            problems.append(wiring.duplicate_id(inv_id, trace.pipeline, path, line, column))
    trace.ids.add(inv_id)
    return inv_id


def _convert(
    inv_id: str, name: str, value: Any, hint: object, where: Where, problems: list[Diagnostic]
) -> StepInput | None:
    path, line, column = where
    if isinstance(value, StaticArtifact):
        return _ref(inv_id, name, value, where, problems)
    if isinstance(value, (list, tuple)) and value and all(
        isinstance(v, StaticArtifact) for v in value
    ):
        refs = [_ref(inv_id, name, v, where, problems) for v in value]
        return ArtifactListInput(items=[r for r in refs if r is not None])
    if isinstance(value, (list, tuple, dict)) and holds_reference(value):
        problems.append(wiring.mixed_input(name, inv_id, path, line, column))
        return None
    if isinstance(value, StepRef):
        problems.append(wiring.step_object_as_input(name, inv_id, value.name, path, line, column))
        return None
    if isinstance(value, Unknown):
        return ParameterInput(value=None, pipeline_parameter=value.parameter)
    if not is_known(value) or not _plain(value):
        return ParameterInput(value=None)
    json_value, bad = to_parameter(value, hint, f"step `{inv_id}`", name, where)
    problems += bad
    return None if bad else ParameterInput(value=json_value)


def _plain(value: object) -> bool:
    if isinstance(value, (list, tuple, set, frozenset)):
        return all(_plain(v) for v in value)
    if isinstance(value, dict):
        return all(_plain(k) and _plain(v) for k, v in value.items())
    return is_plain(value)


def _ref(
    inv_id: str, name: str, value: StaticArtifact, where: Where, problems: list[Diagnostic]
) -> ArtifactRef | None:
    if value.output_name is None:
        path, line, column = where
        problems.append(wiring.output_of_outputless_step(
            name, inv_id, value.invocation_id, path, line, column
        ))
        return None
    return ArtifactRef(step=value.invocation_id, output=value.output_name)


def _after_ids(
    run: Run, inv_id: str, after: object, where: Where, problems: list[Diagnostic]
) -> list[str]:
    if after is None:
        return []
    items = list(after) if isinstance(after, (list, tuple)) else [after]
    ids: list[str] = []
    for item in items:
        if isinstance(item, StaticArtifact):
            ids.append(item.invocation_id)
        elif isinstance(item, str):
            ids.append(item)
        elif isinstance(item, Unknown):
            run.trace.symbolic_ids = True
            if item.text is not None:
                ids.append(item.text)
        else:
            path, line, column = where
            problems.append(wiring.invalid_after(inv_id, item, path, line, column))
    return list(dict.fromkeys(ids))
