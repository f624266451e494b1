"""Where the local stack lives: ``FLOWPLAN_HOME`` or ``<project root>/.flowplan``.

Resolved each time it is asked for (when a run starts or a ``Client()`` is made), never once
at import, so a test or a script that changes directory or environment gets what it expects.
"""

from __future__ import annotations

import os
from pathlib import Path

from flowplan.project import configured_home, find_project_root, has_project_table

HOME_ENV = "FLOWPLAN_HOME"
HOME_DIRNAME = ".flowplan"


def resolve_home(start: Path | None = None) -> Path:
    """The store's folder: ``$FLOWPLAN_HOME``, else ``home`` of ``[tool.flowplan]`` in the
    project's pyproject.toml, else ``<project root>/.flowplan``.

    The project root is the nearest folder upward from ``start`` (default: the current
    directory) that holds ``pyproject.toml`` or ``.git``; without one, the start folder.
    """
    configured = os.environ.get(HOME_ENV)
    if configured:
        return Path(configured).expanduser().resolve()
    base = (start or Path.cwd()).resolve()
    root = find_project_root(base) or base
    if has_project_table(root):
        home = configured_home(root)
        if home is not None:
            return home
    return root / HOME_DIRNAME

