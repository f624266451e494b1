"""``flow check``: the rule registry, one module per rule, reporters, the runner.

Re-exports, loaded on first use (``flow check`` imports only what a run needs).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flowplan.lazy import lazy_exports

if TYPE_CHECKING:
    from flowplan.lint.config import LintConfig, load_config
    from flowplan.lint.runner import Report, check_paths

_LAZY = {
    "LintConfig": "flowplan.lint.config",
    "load_config": "flowplan.lint.config",
    "Report": "flowplan.lint.runner",
    "check_paths": "flowplan.lint.runner",
}


__getattr__ = lazy_exports(__name__, _LAZY)


__all__ = ["LintConfig", "Report", "check_paths", "load_config"]
