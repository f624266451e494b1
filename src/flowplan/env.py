"""Environment variables, read when needed (never once at import).

Each ``FLOWPLAN_X`` variable also accepts the ``ZENML_X`` spelling, to ease migration.
"""

from __future__ import annotations

import os
from pathlib import Path

TRUE_WORDS = frozenset({"1", "true", "yes", "on"})


def env_value(name: str) -> str | None:
    """``FLOWPLAN_<name>``, else ``ZENML_<name>``, else None."""
    for prefix in ("FLOWPLAN_", "ZENML_"):
        value = os.environ.get(prefix + name)
        if value is not None:
            return value
    return None


def env_flag(name: str) -> bool:
    value = env_value(name)
    return value is not None and value.strip().lower() in TRUE_WORDS


def cache_dir() -> Path:
    """Where flowplan keeps derived data (analysis results, validator verdicts)."""
    explicit = os.environ.get("FLOWPLAN_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "flowplan"


def host_name() -> str:
    """``platform.node()``, without loading module platform where ``os.uname`` answers."""
    if hasattr(os, "uname"):
        name = os.uname().nodename
        return "" if name == "unknown" else name  # (platform blanks "unknown")
    import platform

    return platform.node()
