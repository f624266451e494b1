"""``a, b = value`` in a pipeline body, with Python's own rules and messages.

The unpacking is done by a two-line statement generated from the shape of the target (never
by user code), so a wrong count fails with exactly the ``ValueError`` a traced run gets.
"""

from __future__ import annotations

import ast
import functools
from dataclasses import dataclass
from types import CodeType
from typing import Any

from flowplan.compiler.frontends.static.operations import is_plain
from flowplan.compiler.frontends.static.values import ArtifactMisuse, StaticArtifact, Unknown


@dataclass(frozen=True)
class Misfit:
    """Why an unpacking failed: an artifact refused it, or the count was wrong."""

    refusal: ArtifactMisuse | None
    message: str


@functools.lru_cache(maxsize=64)
def _unpacker(count: int, star: int | None) -> CodeType:
    names = [f"_{i}" for i in range(count)]
    if star is not None:
        names[star] = "*" + names[star]
    return compile(f"{', '.join(names)}, = _value", "<unpack>", "exec")


def unpack(value: Any, targets: list[ast.expr]) -> tuple[list[Any], Misfit | None]:
    """One value per target (a list for a starred one); unknown values where it fails."""
    unknown: list[Any] = [Unknown() for _ in targets]
    if isinstance(value, Unknown):
        return unknown, None
    if not (is_plain(value) or isinstance(value, (StaticArtifact, range))):
        return unknown, None
    stars = [i for i, t in enumerate(targets) if isinstance(t, ast.Starred)]
    if len(stars) > 1:
        return unknown, None
    namespace: dict[str, Any] = {"_value": value}
    try:
        exec(_unpacker(len(targets), stars[0] if stars else None), namespace)
    except ArtifactMisuse as exc:
        return unknown, Misfit(exc, exc.what)
    except ValueError as exc:
        return unknown, Misfit(None, str(exc))
    except TypeError:
        return unknown, None
    return [namespace[f"_{i}"] for i in range(len(targets))], None
