"""``flow check``: the rule registry, one module per rule, reporters, the runner.

Re-exports, loaded on first use (``flow check`` imports only what a run needs).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flowplan.lint.config import LintConfig, load_config
    from flowplan.lint.runner import Report, check_paths

_LAZY = {
    "LintConfig": "flowplan.lint.config",
    "load_config": "flowplan.lint.config",
    "Report": "flowplan.lint.runner",
    "check_paths": "flowplan.lint.runner",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)


__all__ = ["LintConfig", "Report", "check_paths", "load_config"]
