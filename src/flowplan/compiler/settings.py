"""``settings={...}`` of pipelines and steps (DESIGN decision 14), validated with pydantic."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from flowplan.codes import make
from flowplan.diagnostics import Diagnostic

SETTINGS_KEYS = ("orchestrator",)


class OrchestratorSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    synchronous: bool = True
    max_workers: int | None = Field(default=None, ge=1)
    isolation: Literal["thread", "process"] = "thread"
    dask_address: str | None = None


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
    return OrchestratorSettings.model_validate(
        normalise_settings(settings).get("orchestrator") or {}
    )


def settings_problems(
    settings: Mapping[str, Any], owner: str, where: tuple[str | None, int | None]
) -> Iterable[Diagnostic]:
    path, line = where
    for key, value in normalise_settings(settings).items():
        if key not in SETTINGS_KEYS:
            close = difflib.get_close_matches(key, SETTINGS_KEYS, n=1)
            yield make(
                "FP304",
                f"settings of {owner} have the unknown key `{key}`",
                path=path,
                line=line,
                fix=f"did you mean `{close[0]}`?"
                if close
                else f"known settings: {', '.join(SETTINGS_KEYS)}",
            )
            continue
        try:
            OrchestratorSettings.model_validate(value)
        except ValidationError as exc:
            for err in exc.errors():
                loc = ".".join(str(p) for p in err["loc"])
                yield make(
                    "FP304",
                    f"settings of {owner}: `{key}.{loc}` {err['msg'].lower()}",
                    path=path,
                    line=line,
                    fix="orchestrator settings: synchronous (bool), max_workers (int >= 1), "
                    "isolation ('thread' or 'process'), dask_address (str)",
                )
