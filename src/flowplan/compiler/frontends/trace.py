"""The tracing front end: call a pipeline function with placeholders and record a Plan."""

from __future__ import annotations

import inspect
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import CodeType
from typing import TYPE_CHECKING, Any

from flowplan.codes import make
from flowplan.compiler.binding import bind
from flowplan.compiler.params import to_parameter
from flowplan.compiler.placeholders import Artifact, body_frame, frame_location
from flowplan.compiler.reference import holds_reference
from flowplan.compiler.tracing_state import tracing
from flowplan.diagnostics import CompileError, Diagnostic
from flowplan.messages import wiring

if TYPE_CHECKING:
    from flowplan.compiler.plan import ArtifactRef, Invocation, StepInput
    from flowplan.compiler.step import BaseStep

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

    # -- ids (DESIGN decision 3) ---------------------------------------------------------
    def _next_id(self, name: str) -> str:
        count = self._counts.get(name, 0)
        while True:
            count += 1
            candidate = name if count == 1 else f"{name}_{count}"
            if candidate not in self._ids:
                self._counts[name] = count
                return candidate

    def call_location(self) -> Where:
        frame = body_frame(self.body_codes) or sys._getframe(3)
        return frame_location(frame)

    # -- recording a step call -------------------------------------------------------------
    def call_step(self, step: BaseStep, args: Sequence[Any], kwargs: dict[str, Any]) -> Any:
        from flowplan.compiler.invocation import build_invocation

        where = self.call_location()
        sig = step.signature
        kwargs = dict(kwargs)
        custom_id = kwargs.pop("id", None)
        if custom_id is None and "step_name" in kwargs and "step_name" not in sig.input_names:
            custom_id = kwargs.pop("step_name")
        after = kwargs.pop("after", None)
        problems: list[Diagnostic] = []
        inv_id = self._assign_id(step, custom_id, where, problems)
        kwargs = configured_parameters(step, inv_id, args, kwargs, where, problems)
        binding = bind(inv_id, sig.inputs, len(args), list(kwargs), where)
        problems += binding.problems
        values = dict(zip(binding.positional, args, strict=False))
        values.update({k: kwargs[k] for k in binding.keywords})
        inputs: dict[str, StepInput] = {}
        hints = _input_hints(step)
        for name, value in values.items():
            converted = self._convert_input(inv_id, name, value, hints.get(name), where, problems)
            if converted is not None:
                inputs[name] = converted
        after_ids = self._after_ids(inv_id, after, where, problems)
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

    def _assign_id(
        self, step: BaseStep, custom: object, where: Where, problems: list[Diagnostic]
    ) -> str:
        path, line, column = where
        if custom is None:
            inv_id = self._next_id(step.name)
        elif not isinstance(custom, str) or not custom.strip():
            problems.append(
                wiring.invalid_id(step.name, custom, path, line, column)
            )
            inv_id = self._next_id(step.name)
        else:
            inv_id = custom
            if inv_id in self._ids:
                problems.append(
                    wiring.duplicate_id(inv_id, self.pipeline_name, path, line, column)
                )
        self._ids.add(inv_id)
        return inv_id

    def _convert_input(
        self,
        inv_id: str,
        name: str,
        value: Any,
        hint: object,
        where: Where,
        problems: list[Diagnostic],
    ) -> StepInput | None:
        from flowplan.compiler.plan import ArtifactListInput, ParameterInput, stored_artifact

        path, line, column = where
        if isinstance(value, Artifact):
            return self._ref(inv_id, name, value, where, problems)
        stored = stored_artifact(value)
        if stored is not None:
            return stored
        if (
            isinstance(value, (list, tuple))
            and value
            and all(isinstance(v, Artifact) for v in value)
        ):
            refs = [self._ref(inv_id, name, v, where, problems) for v in value]
            return ArtifactListInput(items=[r for r in refs if r is not None])
        if isinstance(value, (list, tuple, dict)) and holds_reference(value):
            problems.append(
                wiring.mixed_input(name, inv_id, path, line, column)
            )
            return None
        from flowplan.compiler.step import BaseStep

        if isinstance(value, BaseStep):
            problems.append(
                wiring.step_object_as_input(name, inv_id, value.name, path, line, column)
            )
            return None
        json_value, param_problems = to_parameter(value, hint, f"step `{inv_id}`", name, where)
        problems += param_problems
        return None if param_problems else ParameterInput(value=json_value)

    def _ref(
        self, inv_id: str, name: str, value: Artifact, where: Where, problems: list[Diagnostic]
    ) -> ArtifactRef | None:
        from flowplan.compiler.plan import ArtifactRef

        path, line, column = where
        if object.__getattribute__(value, "_tracer") is not self:
            problems.append(
                make(
                    "FP211",
                    f"input `{name}` of `{inv_id}` is {value!r}, an artifact of another pipeline",
                    path=path,
                    line=line,
                    column=column,
                    fix="pass artifacts produced inside this pipeline only",
                )
            )
            return None
        if value.output_name is None:
            problems.append(
                wiring.output_of_outputless_step(
                    name, inv_id, value.invocation_id, path, line, column
                )
            )
            return None
        return ArtifactRef(step=value.invocation_id, output=value.output_name)

    def _after_ids(
        self, inv_id: str, after: object, where: Where, problems: list[Diagnostic]
    ) -> list[str]:
        if after is None:
            return []
        items = list(after) if isinstance(after, (list, tuple)) else [after]
        ids: list[str] = []
        for item in items:
            if isinstance(item, Artifact):
                ids.append(item.invocation_id)
            elif isinstance(item, str):
                ids.append(item)
            else:
                path, line, column = where
                problems.append(
                    wiring.invalid_after(inv_id, item, path, line, column)
                )
        return list(dict.fromkeys(ids))



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
    from flowplan.compiler.params import parameter_conflict

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
