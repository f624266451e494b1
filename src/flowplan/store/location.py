"""Where the local stack lives: ``FLOWPLAN_HOME`` or ``<project root>/.flowplan``.

Resolved each time it is asked for (when a run starts or a ``Client()`` is made), never once
at import, so a test or a script that changes directory or environment gets what it expects.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from flowplan.diagnostics import StoreError
from flowplan.messages import runtime
from flowplan.project import configured_home, find_project_root, has_project_table, looked_up

HOME_ENV = "FLOWPLAN_HOME"
HOME_DIRNAME = ".flowplan"
DB_FILENAME = "flowplan.db"  # the metadata database, in the home folder


def resolve_home(start: Path | None = None) -> Path:
    """The store's folder: ``$FLOWPLAN_HOME``, else ``home`` of ``[tool.flowplan]`` in the
    project's pyproject.toml, else ``<project root>/.flowplan``.

    The project root is the nearest folder upward from ``start`` (default: the current
    directory) that holds ``pyproject.toml`` or ``.git``; without one, the start folder.
    """
    if start is None:
        return looked_up("home", _resolve_home)
    return _resolve_home(start)


def _resolve_home(start: Path | None = None) -> Path:
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



_KINDS = ((stat.S_ISREG, "a file"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISFIFO, "a named pipe"),
          (stat.S_ISSOCK, "a socket"))


def prepare_home(home: Path) -> bool:
    """Make sure ``home`` can hold a store; return whether this process may write there.

    A missing folder is created private to its owner (0700: artifacts, the database and the
    logs hold the user's data).  A path that is something else than a folder, or a folder that
    cannot be created, is ``FP580``; an existing folder on a read-only file system (or not
    writable by this user) gives a read-only store (writes are ``FP581``)."""
    try:
        mode = os.stat(home).st_mode
    except FileNotFoundError:
        try:
            os.makedirs(home, mode=0o700)
        except FileExistsError:  # made by a concurrent process
            return prepare_home(home)
        except OSError as exc:
            raise StoreError(
                runtime.store_home_not_created(str(home), exc.strerror or str(exc))
            ) from None
        return True
    except OSError as exc:
        raise StoreError(
            runtime.store_home_not_created(str(home), exc.strerror or str(exc))
        ) from None
    if not stat.S_ISDIR(mode):
        what = next((name for test, name in _KINDS if test(mode)), "not a folder")
        raise StoreError(runtime.store_home_not_a_folder(str(home), what))
    return os.access(home, os.W_OK | os.X_OK)

