"""The tracing front end: call a pipeline function with placeholders and record a Plan."""

from __future__ import annotations

import inspect
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import CodeType
from typing import TYPE_CHECKING, Any

from flowplan.compiler import recording
from flowplan.compiler.binding import bind
from flowplan.compiler.invocation import build_invocation
from flowplan.compiler.placeholders import Artifact, body_frame, frame_location
from flowplan.compiler.reference import ArtifactReference
from flowplan.compiler.step import BaseStep
from flowplan.compiler.tracing_state import tracing
from flowplan.diagnostics import CompileError, Diagnostic

if TYPE_CHECKING:
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

    @contextmanager
    def active(self) -> Iterator[Tracer]:
        with tracing(self):
            yield self

    def call_location(self) -> Where:
        frame = body_frame(self.body_codes) or sys._getframe(3)
        return frame_location(frame)

    # -- recording a step call -------------------------------------------------------------
    def call_step(self, step: BaseStep, args: Sequence[Any], kwargs: dict[str, Any]) -> Any:
        where = self.call_location()
        sig = step.signature
        custom_id, after, kwargs = recording.call_keywords(kwargs, sig.input_names)
        problems: list[Diagnostic] = []
        inv_id = recording.assign_id(
            step.name, custom_id, self.pipeline_name, self._counts, self._ids, where, problems
        )
        kwargs = configured_parameters(step, inv_id, args, kwargs, where, problems)
        binding = bind(inv_id, sig.inputs, len(args), list(kwargs), where)
        problems += binding.problems
        values = dict(zip(binding.positional, args, strict=False))
        values.update({k: kwargs[k] for k in binding.keywords})
        inputs: dict[str, StepInput] = {}
        hints = _input_hints(step)
        for name, value in values.items():
            converted = recording.convert_input(
                inv_id, name, value, hints, where, problems, (BaseStep,), self._foreign
            )
            if converted is not None:
                inputs[name] = converted
        after_ids = recording.after_ids(inv_id, after, where, problems)
        if problems:
            raise CompileError(problems)
        invocation, warnings = build_invocation(
            step, inv_id, self.pipeline_name, inputs, after_ids, where
        )
        self.diagnostics.extend(w for w in warnings if w not in self.diagnostics)
        self.invocations.append(invocation)
        self.steps[inv_id] = step
        outputs = [Artifact(self, inv_id, out.name) for out in invocation.outputs]
        if not outputs:
            return Artifact(self, inv_id, None)
        if sig.multi_output:
            return tuple(outputs)
        return outputs[0]

    def _foreign(self, value: ArtifactReference) -> bool:
        """Whether ``value`` is a placeholder of another pipeline's (or compile's) tracer."""
        return not isinstance(value, Artifact) or (
            object.__getattribute__(value, "_tracer") is not self
        )


def _input_hints(step: BaseStep) -> dict[str, object]:
    hints = step.type_hints
    hints.pop("return", None)
    return hints


def function_code(func: Any) -> CodeType | None:
    code = getattr(inspect.unwrap(func), "__code__", None)
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
