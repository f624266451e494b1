"""Run names (DESIGN decision 9)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timezone

DATE_FORMAT = "%Y_%m_%d"
TIME_FORMAT = "%H_%M_%S_%f"


def run_name(
    pipeline: str,
    template: str | None,
    substitutions: Mapping[str, str],
    now: datetime | None = None,
) -> str:
    """``{pipeline}-{date}-{time}`` by default; placeholders filled in a custom template."""
    now = now or datetime.now(timezone.utc)
    values = {"date": now.strftime(DATE_FORMAT), "time": now.strftime(TIME_FORMAT), **substitutions}
    if not template:
        return f"{pipeline}-{values['date']}-{values['time']}"
    return template.format(**values)
