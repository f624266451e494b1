"""Binding a step call's arguments to the step's inputs -- shared by both front ends."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from flowplan.analyzer.signature import InputSpec
from flowplan.diagnostics import Diagnostic
from flowplan.messages import wiring

Location = tuple[str | None, int | None, int | None]


@dataclass
class Binding:
    """Which input each positional argument fills, and the keyword names accepted."""

    positional: list[str] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    problems: list[Diagnostic] = field(default_factory=list)


def bind(
    step_id: str,
    inputs: Sequence[InputSpec],
    n_positional: int,
    keywords: Sequence[str],
    where: Location,
) -> Binding:
    """Map ``n_positional`` positional and ``keywords`` keyword arguments onto ``inputs``."""
    path, line, column = where
    positional_ok = [i.name for i in inputs if i.kind != "keyword_only"]
    result = Binding(positional_ok[:n_positional], [], [])
    if n_positional > len(positional_ok):
        result.problems.append(wiring.too_many_positional(
            step_id, len(positional_ok), n_positional, path, line, column))
    if not keywords:
        return result
    known = {i.name: i for i in inputs}
    for name in keywords:
        spec = known.get(name)
        if spec is None:
            result.problems.append(
                wiring.unknown_input(step_id, name, known, path, line, column)
            )
        elif name in result.positional:
            result.problems.append(wiring.input_given_twice(step_id, name, path, line, column))
        elif spec.kind == "positional_only":
            result.problems.append(
                wiring.positional_only_by_keyword(step_id, name, path, line, column)
            )
        else:
            result.keywords.append(name)
    return result
