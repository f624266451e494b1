"""``settings={...}`` of pipelines and steps (DESIGN decision 14), validated with pydantic.

The validator checks every settings dict with a pydantic model (its verdict is cached); a run
reads the already-checked values into a plain dataclass, so a warm run never imports pydantic.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from functools import cache
from typing import TYPE_CHECKING, Any, Literal

from flowplan.diagnostics import Diagnostic
from flowplan.messages import settings as messages

SETTINGS_KEYS = ("orchestrator", "resources")


if TYPE_CHECKING:
    from pydantic import BaseModel

    from flowplan.config.resource_settings import ResourceSettings


@dataclass(frozen=True, kw_only=True)
class OrchestratorSettings:
    """How a pipeline's steps run: the ``orchestrator`` settings, checked."""

    synchronous: bool = True
    max_workers: int | None = None
    isolation: Literal["thread", "process"] = "thread"
    dask_address: str | None = None
    step_timeout: float | None = None  # seconds a step may run; a step's own timeout wins


ORCHESTRATOR_KEYS = frozenset(f.name for f in fields(OrchestratorSettings))


@cache
def _orchestrator_model() -> type[BaseModel]:
    """The pydantic model that checks ``orchestrator`` settings (built on first use)."""
    from pydantic import BaseModel, ConfigDict, Field

    class Orchestrator(BaseModel):
        model_config = ConfigDict(extra="forbid")

        synchronous: bool = True
        max_workers: int | None = Field(default=None, ge=1)
        isolation: Literal["thread", "process"] = "thread"
        dask_address: str | None = None
        step_timeout: float | None = Field(default=None, gt=0, allow_inf_nan=False)

    return Orchestrator


def _plain_timeout(value: object) -> bool:
    return value is None or (type(value) in (int, float) and 0 < value < math.inf)  # type: ignore[operator]


def _plainly_valid(raw: Mapping[str, Any]) -> bool:
    """Whether ``raw`` holds only known keys with values of exactly their type (what the
    model would accept unchanged), decided without pydantic."""
    checks = {
        "synchronous": lambda v: isinstance(v, bool),
        "max_workers": lambda v: v is None or (type(v) is int and v >= 1),
        "isolation": lambda v: v in ("thread", "process"),
        "dask_address": lambda v: v is None or isinstance(v, str),
        "step_timeout": _plain_timeout,
    }
    return all(key in checks and checks[key](value) for key, value in raw.items())


def normalise_settings(settings: Mapping[str, Any]) -> dict[str, Any]:
    """Fold ``orchestrator.<stack>`` keys into ``orchestrator``."""
    out: dict[str, Any] = {}
    for key, value in settings.items():
        base = key.split(".", 1)[0] if key.startswith("orchestrator.") else key
        if base in out and isinstance(out[base], Mapping) and isinstance(value, Mapping):
            out[base] = {**out[base], **value}
        else:
            out[base] = value
    return out


def orchestrator_settings(settings: Mapping[str, Any]) -> OrchestratorSettings:
    """The orchestrator settings of a validated plan (``pydantic.ValidationError`` if not)."""
    raw = normalise_settings(settings).get("orchestrator") or {}
    if not _plainly_valid(raw):
        raw = _orchestrator_model().model_validate(raw).model_dump()
    return OrchestratorSettings(**raw)


def resource_settings(
    settings: Mapping[str, Any], inherited: Mapping[str, Any] | None = None
) -> ResourceSettings:
    """The ``resources`` of a validated step's settings, else of its pipeline's."""
    from flowplan.config.resource_settings import as_resource_settings

    own = normalise_settings(settings).get("resources")
    if own is None and inherited is not None:
        own = normalise_settings(inherited).get("resources")
    return as_resource_settings(own)


def settings_problems(
    settings: Mapping[str, Any],
    owner: str,
    where: tuple[str | None, int | None],
    *,
    step: bool = False,
) -> Iterable[Diagnostic]:
    path, line = where
    for key, value in normalise_settings(settings).items():
        if key not in SETTINGS_KEYS:
            yield messages.unknown_setting(owner, key, SETTINGS_KEYS, path, line)
            continue
        if key == "resources":
            from flowplan.config.resource_settings import resource_problems

            for problem in resource_problems(value):
                yield messages.invalid_resources(owner, problem, path, line)
            continue
        if step and isinstance(value, Mapping) and value.get("dask_address") is not None:
            yield messages.step_dask_address(owner, path, line)
        from pydantic import ValidationError

        try:
            _orchestrator_model().model_validate(value)
        except ValidationError as exc:
            for err in exc.errors():
                loc = ".".join(str(p) for p in err["loc"])
                yield messages.invalid_setting(owner, key, loc, err["msg"], path, line)
