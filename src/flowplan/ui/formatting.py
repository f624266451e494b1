"""How the dashboard writes times, durations, sizes and status counts."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

_ORDER = ("running", "initializing", "completed", "cached", "failed", "stopped", "skipped")


def when(stamp: datetime | None) -> str:
    """A UTC time to the second, or ``-``."""
    return "-" if stamp is None else stamp.strftime("%Y-%m-%d %H:%M:%S UTC")


def seconds(value: float | None) -> str:
    if value is None:
        return "-"
    if value < 60:
        return f"{value:.2f} s"
    minutes, rest = divmod(int(value), 60)
    return f"{minutes} min {rest} s" if minutes < 60 else f"{minutes // 60} h {minutes % 60} min"


def size(count: int) -> str:
    value = float(count)
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{int(value)} {unit}" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{count} bytes"


def counts(by_status: Mapping[str, int]) -> str:
    """``"12 completed · 1 failed"``, statuses in a fixed order."""
    keys = sorted(by_status, key=lambda s: _ORDER.index(s) if s in _ORDER else len(_ORDER))
    return " · ".join(f"{by_status[k]} {k}" for k in keys if by_status[k]) or "no steps"
