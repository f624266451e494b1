"""Run names (DESIGN decision 9)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timezone

from flowplan.compiler.run_names import run_name_problem
from flowplan.diagnostics import ConfigError
from flowplan.messages import settings

DATE_FORMAT = "%Y_%m_%d"
TIME_FORMAT = "%H_%M_%S_%f"


def placeholder_values(
    substitutions: Mapping[str, str], now: datetime | None = None
) -> dict[str, str]:
    """``{date}``, ``{time}`` (UTC) and the custom substitutions, as filled into names."""
    now = now or datetime.now(timezone.utc)
    return {"date": now.strftime(DATE_FORMAT), "time": now.strftime(TIME_FORMAT), **substitutions}


def fill(template: str, values: Mapping[str, str]) -> str:
    """``template`` with its placeholders filled in (unknown ones were refused at compile)."""
    if "{" not in template and "}" not in template:
        return template
    try:
        return template.format(**values)
    except (KeyError, IndexError, ValueError):
        return template


def run_name(
    pipeline: str,
    template: str | None,
    substitutions: Mapping[str, str],
    now: datetime | None = None,
) -> str:
    """``{pipeline}-{date}-{time}`` by default; placeholders filled in a custom template.

    A name that cannot name a run (FP340: empty, too long, a control character or a path
    separator, e.g. from a substitution given when the run was triggered) is refused before
    the run is recorded."""
    values = placeholder_values(substitutions, now)
    if not template:
        name = f"{pipeline}-{values['date']}-{values['time']}"
    else:
        name = template.format(**values)
    problem = run_name_problem(name)
    if problem is not None:
        raise ConfigError(settings.invalid_run_name(name, problem, pipeline))
    return name
