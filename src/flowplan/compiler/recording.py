"""Recording one step call, as both front ends do it (DESIGN decision 3): the call keywords
(``id=``, its alias ``step_name=``, ``after=``), invocation ids, input conversion, artifact
references and ``after=`` ids.

The tracer (:mod:`flowplan.compiler.frontends.trace`) and the static front end
(:mod:`flowplan.compiler.frontends.static.steps`) call these functions and differ only where
their inputs differ: their step objects, their placeholders' origin, and values the static
front end cannot know (its ``opaque`` hooks).  Parity holds by construction.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol

from flowplan.compiler.params import to_parameter
from flowplan.compiler.plan import (
    ArtifactListInput,
    ArtifactRef,
    ParameterInput,
    StepInput,
    stored_artifact,
)
from flowplan.compiler.reference import ArtifactReference, holds_reference
from flowplan.diagnostics import Diagnostic
from flowplan.messages import wiring

Where = tuple[str | None, int | None, int | None]
RESERVED_KEYWORDS = ("id", "after")


def call_keywords(
    kwargs: Mapping[str, Any], input_names: tuple[str, ...] | list[str]
) -> tuple[object, object, dict[str, Any]]:
    """``(id, after, the step's own keyword arguments)``; ``step_name=`` is an alias of
    ``id=`` when the step has no input of that name."""
    if "id" not in kwargs and "after" not in kwargs and "step_name" not in kwargs:
        return None, None, dict(kwargs)
    rest = dict(kwargs)
    custom = rest.pop("id", None)
    if custom is None and "step_name" in rest and "step_name" not in input_names:
        custom = rest.pop("step_name")
    return custom, rest.pop("after", None), rest


def next_id(name: str, counts: dict[str, int], taken: set[str]) -> str:
    """``name`` on its first call, then ``name_2``, ``name_3``, ... skipping ids taken."""
    count = counts.get(name, 0)
    while True:
        count += 1
        candidate = name if count == 1 else f"{name}_{count}"
        if candidate not in taken:
            counts[name] = count
            return candidate


def assign_id(
    step: str, custom: object, pipeline: str, counts: dict[str, int], taken: set[str],
    where: Where, problems: list[Diagnostic],
) -> str:
    """The invocation id of a call of ``step`` with ``id=custom`` (None: none given)."""
    path, line, column = where
    if custom is None:
        inv_id = next_id(step, counts, taken)
    elif not isinstance(custom, str) or not custom.strip():
        problems.append(wiring.invalid_id(step, custom, path, line, column))
        inv_id = next_id(step, counts, taken)
    else:
        inv_id = custom
        if inv_id in taken:
            problems.append(wiring.duplicate_id(inv_id, pipeline, path, line, column))
    taken.add(inv_id)
    return inv_id


class Hints(Protocol):
    """The type hints of a step's inputs by name (a dict, or one that reads them lazily)."""

    def get(self, name: str) -> object: ...


def convert_input(
    inv_id: str, name: str, value: Any, hints: Hints, where: Where, problems: list[Diagnostic],
    step_types: tuple[type, ...], foreign: Callable[[ArtifactReference], bool],
    opaque: Callable[[Any], StepInput | None] = lambda value: None,
) -> StepInput | None:
    """One argument of a step call as a Plan input.  ``hints``: the step's input hints (only
    a parameter value's is read); ``step_types``: the front end's step objects (passed
    uncalled by mistake); ``foreign``: whether a placeholder comes from another pipeline;
    ``opaque``: the input for a value the front end cannot know, if so."""
    path, line, column = where
    if isinstance(value, ArtifactReference):
        return artifact_ref(inv_id, name, value, where, problems, foreign)
    stored = stored_artifact(value)  # an artifact version of an earlier run
    if stored is not None:
        return stored
    if isinstance(value, (list, tuple)) and value and all(
        isinstance(v, ArtifactReference) for v in value
    ):
        refs = [artifact_ref(inv_id, name, v, where, problems, foreign) for v in value]
        return ArtifactListInput(items=[r for r in refs if r is not None])
    if isinstance(value, (list, tuple, dict)) and holds_reference(value):
        problems.append(wiring.mixed_input(name, inv_id, path, line, column))
        return None
    if isinstance(value, step_types):
        step = str(getattr(value, "name", value))
        problems.append(wiring.step_object_as_input(name, inv_id, step, path, line, column))
        return None
    special = opaque(value)
    if special is not None:
        return special
    json_value, bad = to_parameter(value, hints.get(name), f"step `{inv_id}`", name, where)
    problems += bad
    return None if bad else ParameterInput(value=json_value)


def artifact_ref(
    inv_id: str, name: str, value: ArtifactReference, where: Where, problems: list[Diagnostic],
    foreign: Callable[[ArtifactReference], bool],
) -> ArtifactRef | None:
    path, line, column = where
    if foreign(value):
        problems.append(wiring.foreign_artifact(name, inv_id, repr(value), path, line, column))
        return None
    if value.output_name is None:
        problems.append(wiring.output_of_outputless_step(
            name, inv_id, value.invocation_id, path, line, column
        ))
        return None
    return ArtifactRef(step=value.invocation_id, output=value.output_name)


def after_ids(
    inv_id: str, after: object, where: Where, problems: list[Diagnostic],
    opaque: Callable[[object], str | bool] = lambda item: False,
) -> list[str]:
    """The ids ``after=`` names (artifacts or id strings), in order, once each.  ``opaque``
    gives the id of an item the front end cannot know (or True: skip it)."""
    if after is None:
        return []
    items = list(after) if isinstance(after, (list, tuple)) else [after]
    ids: list[str] = []
    for item in items:
        if isinstance(item, ArtifactReference):
            ids.append(item.invocation_id)
        elif isinstance(item, str):
            ids.append(item)
        else:
            special = opaque(item)
            if isinstance(special, str):
                ids.append(special)
            elif not special:
                path, line, column = where
                problems.append(wiring.invalid_after(inv_id, item, path, line, column))
    return list(dict.fromkeys(ids))
