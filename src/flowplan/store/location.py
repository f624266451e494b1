"""Where the local stack lives: ``FLOWPLAN_HOME`` or ``<project root>/.flowplan``.

Resolved each time it is asked for (when a run starts or a ``Client()`` is made), never once
at import, so a test or a script that changes directory or environment gets what it expects.
"""

from __future__ import annotations

import os
from pathlib import Path

HOME_ENV = "FLOWPLAN_HOME"
HOME_DIRNAME = ".flowplan"
_ROOT_MARKERS = ("pyproject.toml", ".git")


def find_project_root(start: Path | None = None) -> Path | None:
    """The nearest folder at or above ``start`` (default: cwd) holding a project marker."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if any((folder / marker).exists() for marker in _ROOT_MARKERS):
            return folder
    return None


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
        from flowplan.project import configured_home  # reads [tool.flowplan] `home`

        home = configured_home(root)
        if home is not None:
            return home
    return root / HOME_DIRNAME


def has_project_table(root: Path | None) -> bool:
    """Whether the project's pyproject.toml has a ``[tool.flowplan]`` table (a cheap look,
    so that runs in projects without one never parse it)."""
    if root is None:
        return False
    try:
        return b"tool.flowplan" in (root / "pyproject.toml").read_bytes()
    except OSError:
        return False
