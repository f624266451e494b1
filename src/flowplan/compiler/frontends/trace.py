"""The tracing front end: call a pipeline function with placeholders and record a Plan."""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import CodeType, FrameType
from typing import TYPE_CHECKING, Any

from flowplan.compiler import recording
from flowplan.compiler.binding import Binding, bind
from flowplan.compiler.frontends.replay import CallShape, TraceRecord, call_key, shape_of
from flowplan.compiler.invocation import build_invocation, step_template
from flowplan.compiler.placeholders import Artifact, body_frame, frame_location
from flowplan.compiler.reference import ArtifactReference
from flowplan.compiler.step import BaseStep
from flowplan.compiler.tracing_state import tracing
from flowplan.diagnostics import CompileError, Diagnostic
from flowplan.plain_functions import unwrap

if TYPE_CHECKING:
    from flowplan.analyzer.signature import StepSignature
    from flowplan.compiler.invocation import StepTemplate
    from flowplan.compiler.plan import Invocation, StepInput

Where = tuple[str | None, int | None, int | None]


@dataclass
class Tracer:
    """Records the invocations of one pipeline (and the pipelines composed into it)."""

    pipeline_name: str
    body_codes: set[CodeType] = field(default_factory=set)
    invocations: list[Invocation] = field(default_factory=list)
    steps: dict[str, BaseStep] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    _counts: dict[str, int] = field(default_factory=dict)
    _ids: set[str] = field(default_factory=set)
    _last_body: CodeType | None = None  # the body code that called the last step
    _places: dict[tuple[int, int], Where] = field(default_factory=dict)
    _bindings: dict[tuple[Any, ...], tuple[StepSignature, Binding]] = field(
        default_factory=dict
    )
    # A run's own compile: the pipeline's previous trace, followed while the calls are the
    # same (:mod:`flowplan.compiler.frontends.replay`), and this trace's calls, recorded.
    replay: TraceRecord | None = None
    shapes: list[CallShape | None] | None = None

    @contextmanager
    def active(self) -> Iterator[Tracer]:
        with tracing(self):
            yield self

    def call_location(self) -> Where:
        frame = body_frame(self.body_codes) or sys._getframe(3)
        return frame_location(frame)

    # -- recording a step call -------------------------------------------------------------
    def call_step(self, step: BaseStep, args: Sequence[Any], kwargs: dict[str, Any]) -> Any:
        frame = sys._getframe(2)  # the body <- BaseStep.__call__ <- here
        if self.replay is not None:
            made = self._follow(step, frame, args, kwargs)
            if made is not None:
                return made
        key = call_key(self, args, kwargs) if self.shapes is not None else None
        where, body = self._step_call_location(frame)
        sig = step.signature
        template = step_template(step)
        custom_id: object = None
        after: object = None
        if kwargs:
            custom_id, after, kwargs = recording.call_keywords(kwargs, sig.input_names)
        problems: list[Diagnostic] = []
        inv_id = recording.assign_id(
            step.name, custom_id, self.pipeline_name, self._counts, self._ids, where, problems
        )
        if step.parameters:
            kwargs = configured_parameters(step, inv_id, args, kwargs, where, problems)
        binding = self._bind(inv_id, sig, len(args), kwargs, where)
        problems += binding.problems
        values = dict(zip(binding.positional, args, strict=False))
        for name in binding.keywords:
            values[name] = kwargs[name]
        inputs: dict[str, StepInput] = {}
        hints = template.input_hints
        for name, value in values.items():
            converted = recording.convert_input(
                inv_id, name, value, hints, where, problems, (BaseStep,), self._foreign
            )
            if converted is not None:
                inputs[name] = converted
        after_ids = [] if after is None else recording.after_ids(inv_id, after, where, problems)
        if problems:
            raise CompileError(problems)
        invocation, warnings = build_invocation(
            step, inv_id, self.pipeline_name, inputs, after_ids, where
        )
        if warnings:
            self.diagnostics.extend(w for w in warnings if w not in self.diagnostics)
        self.invocations.append(invocation)
        self.steps[inv_id] = step
        if self.shapes is not None:
            self.shapes.append(shape_of(
                step, template, body, frame.f_lasti, key, invocation,
                self._counts.get(step.name), warnings, sig.multi_output,
            ))
        return self._placeholders(inv_id, template, sig.multi_output)

    def _placeholders(self, inv_id: str, template: StepTemplate, multi: bool) -> Any:
        """What a step call returns in the body: its outputs' placeholders."""
        if not template.outputs:
            return Artifact(self, inv_id, None)
        if multi:
            return tuple(Artifact(self, inv_id, out[0]) for out in template.outputs)
        return Artifact(self, inv_id, template.outputs[0][0])

    def _follow(
        self, step: BaseStep, frame: FrameType, args: Sequence[Any], kwargs: dict[str, Any]
    ) -> Any:
        """The call's placeholders when it is the previous trace's call at this place (its
        invocation joins the plan as it was), else None: the trace goes the full way."""
        assert self.replay is not None
        index = len(self.invocations)
        calls = self.replay.calls
        shape = calls[index] if index < len(calls) else None
        code = frame.f_code
        if (
            shape is None or step is not shape.step or step.template_cache is not shape.template
            or code is not shape.code or frame.f_lasti != shape.offset or step.name != shape.name
            or step.parameters or (code is not self._last_body and code not in self.body_codes)
            or call_key(self, args, kwargs) != shape.key
        ):
            self.replay = None
            return None
        self._last_body = code
        invocation = shape.invocation
        inv_id = invocation.id
        self._ids.add(inv_id)
        if shape.count is not None:
            self._counts[shape.name] = shape.count
        if shape.warnings:
            self.diagnostics.extend(w for w in shape.warnings if w not in self.diagnostics)
        self.invocations.append(invocation)
        self.steps[inv_id] = step
        if self.shapes is not None:
            self.shapes.append(shape)
        made = shape.made
        if isinstance(made, tuple):
            return tuple(Artifact(self, inv_id, name) for name in made)
        return Artifact(self, inv_id, made)

    def replayed(self) -> bool:
        """Whether every call was the previous trace's, and no more were made."""
        return self.replay is not None and len(self.invocations) == len(self.replay.calls)

    def _bind(
        self, inv_id: str, sig: StepSignature, n_args: int, kwargs: dict[str, Any], where: Where
    ) -> Binding:
        """:func:`bind`, whose answer for a step's call shape is the same every time it
        finds no problem (it names the call only in problems)."""
        key = (id(sig), n_args, *kwargs)
        known = self._bindings.get(key)
        if known is not None and known[0] is sig:
            return known[1]
        binding = bind(inv_id, sig.inputs, n_args, list(kwargs), where)
        if not binding.problems:
            self._bindings[key] = (sig, binding)
        return binding

    def _step_call_location(self, frame: FrameType) -> tuple[Where, CodeType | None]:
        """Where the body calls a step, and the body's code if it called directly: ``frame``
        is the caller of ``BaseStep.__call__`` (the body itself, unless something sits
        between), its place read once per instruction."""
        code = frame.f_code
        if code is not self._last_body and code not in self.body_codes:
            return frame_location(body_frame(self.body_codes) or frame), None
        self._last_body = code
        key = (id(code), frame.f_lasti)  # the code is kept alive by body_codes
        where = self._places.get(key)
        if where is None:
            where = self._places[key] = frame_location(frame)
        return where, code

    def _foreign(self, value: ArtifactReference) -> bool:
        """Whether ``value`` is a placeholder of another pipeline's (or compile's) tracer."""
        return not isinstance(value, Artifact) or (
            object.__getattribute__(value, "_tracer") is not self
        )


def function_code(func: Any) -> CodeType | None:
    code = getattr(unwrap(func), "__code__", None)
    return code if isinstance(code, CodeType) else None


def configured_parameters(
    step: BaseStep,
    inv_id: str,
    args: Sequence[Any],
    kwargs: dict[str, Any],
    where: Where,
    problems: list[Diagnostic],
) -> dict[str, Any]:
    """The call's keyword arguments with the step's ``parameters=`` for inputs the call
    leaves out; an input given both ways with different values is FP316."""
    if not step.parameters:
        return kwargs
    from flowplan.messages.settings import parameter_conflict

    positional = [i.name for i in step.signature.inputs][: len(args)]
    given = {**dict(zip(positional, args, strict=False)), **kwargs}
    merged = dict(kwargs)
    for name, value in step.parameters.items():
        if name not in given:
            merged[name] = value
        elif not _same(given[name], value):
            problems.append(
                parameter_conflict(f"step `{inv_id}`", name, value, given[name], where)
            )
    return merged


def _same(a: Any, b: Any) -> bool:
    try:
        return bool(a == b)
    except Exception:
        return False
