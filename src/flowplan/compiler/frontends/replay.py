"""Following a pipeline's previous trace: a run of an unchanged pipeline reuses what its
last run's trace derived, call by call, while every call is provably the one made then.

The body is user code and is traced every time; each step call is still made.  What a call
adds to the plan is a function of: the step object and its compiled template (a step's
``configure`` makes a new template), its name, the body instruction making the call (its
code object and offset: the call's location), and the call's arguments.  A call whose
arguments are all step outputs of the same trace or plain values -- ``str``, ``int``,
``bool``, ``None``, ``float`` (by its exact bits), and lists, tuples and dicts of them, each
compared with its exact type -- has a key that equals the previous trace's key exactly when
the same call is made again; then the tracer's state (ids taken, call counts) has followed the
same steps, and the previous invocation is the one this call makes.  Anything else a call
may depend on (a closure's values, ``parameters=`` given to the step, the environment's
annotation check, a call from a helper function) makes its shape unknown, and the trace
goes on the full way from there.

Only a run's own compile (:meth:`Pipeline.__call__`) follows and records traces: its plan
never reaches the caller, so nothing changes the invocations the next run reuses.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import CodeType
from typing import TYPE_CHECKING, Any

from flowplan.compiler.placeholders import Artifact

if TYPE_CHECKING:
    from collections.abc import Sequence

    from flowplan.compiler.invocation import StepTemplate
    from flowplan.compiler.plan import Invocation
    from flowplan.compiler.step import BaseStep
    from flowplan.diagnostics import Diagnostic


@dataclass(frozen=True, slots=True)
class CallShape:
    """One step call of a trace, as the next trace recognises it, and what it made."""

    step: BaseStep
    template: StepTemplate
    name: str  # the step's name then
    code: CodeType  # the body making the call, and the offset of its call instruction
    offset: int
    key: tuple[Any, ...]  # the call's arguments (:func:`call_key`)
    invocation: Invocation
    count: int | None  # the step name's call count after the call (ids it took)
    warnings: tuple[Diagnostic, ...]
    made: str | tuple[str, ...] | None  # its placeholders' output names (a tuple: several)


@dataclass(frozen=True, slots=True)
class TraceRecord:
    """A pipeline's last traced run: its calls (None: a call of unknown shape, where a
    trace following this one goes the full way) and its plan's compact JSON, with the text
    of the invocations part and the plan's hash."""

    pipeline_name: str
    calls: tuple[CallShape | None, ...]
    invocations_text: str
    plan_json: str
    plan_hash: str


class _Unknown(Exception):
    """A value whose sameness a key cannot tell."""


_SCALARS = frozenset((str, int, bool, type(None)))


def call_key(tracer: object, args: Sequence[Any], kwargs: dict[str, Any]) -> tuple[Any, ...] | None:
    """The arguments of a step call, as a key equal to another call's key only when the
    calls give the same values (None: not known)."""
    key: list[Any] = [len(args), *kwargs]
    try:
        for value in (*args, *kwargs.values()):
            kind = type(value)  # (the most common two first, written out)
            if kind is Artifact and value._tracer is tracer:
                key.append((kind, value._step, value._output))
            elif kind is str:
                key.append((kind, value))
            else:
                key.append(_key(value, tracer))
    except (_Unknown, RecursionError):
        return None
    return tuple(key)


def _key(value: Any, tracer: object) -> tuple[Any, ...]:
    kind = type(value)
    if kind in _SCALARS:
        return (kind, value)
    if kind is Artifact:
        if value._tracer is not tracer:  # another pipeline's: refused by the full way
            raise _Unknown
        return (kind, value._step, value._output)
    if kind is float:
        return (kind, value.hex())  # (0.0 == -0.0, and their JSON differs)
    if kind is list or kind is tuple:
        return (kind, *[_key(item, tracer) for item in value])
    if kind is dict:
        return (kind, *[(_key(k, tracer), _key(v, tracer)) for k, v in value.items()])
    raise _Unknown


def shape_of(
    step: BaseStep, template: StepTemplate, code: CodeType | None, offset: int,
    key: tuple[Any, ...] | None, invocation: Invocation, count: int | None,
    warnings: Sequence[Diagnostic], multi: bool,
) -> CallShape | None:
    """The shape of a call the tracer just recorded the full way (None: not known).
    ``code``: the body making it directly (None: something between them)."""
    if (
        code is None or key is None or step.parameters or step.entrypoint.__closure__
        or step.signature.missing_annotations  # (the environment decides on those)
    ):
        return None
    names = tuple(out[0] for out in template.outputs)
    made = (names if multi else names[0]) if names else None
    return CallShape(step, template, step.name, code, offset, key, invocation, count,
                     tuple(warnings), made)
