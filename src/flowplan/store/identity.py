"""Which store an artifact location belongs to (DESIGN decision 19).

A store has an identity: ``<home>/store.id``, a random id made the first time it is needed.
The artifact location it writes to -- ``<home>/artifacts`` or the ``artifact-url`` -- holds a
marker ``.flowplan-stores/<id>``, which the driver writes before a run on a Dask cluster.  A
worker checks for the marker where *it* would write before it runs anything: a folder at the
same path on another machine, or another mount, has no such marker, and the run stops with
one configuration error (``FP557``) instead of reporting steps whose outputs the driver can
never read.  Several stores may share one URL: each has its own marker.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from flowplan.store.pickling import create_once

STORE_ID_FILENAME = "store.id"
MARKERS = ".flowplan-stores"


class Marked(Protocol):
    """An artifact location that can carry store markers."""

    def write_marker(self, name: str) -> None: ...

    def has_marker(self, name: str) -> bool: ...


def store_id(home: Path) -> str:
    """The identity of the store at ``home`` (created, atomically, when first asked for)."""
    path = home / STORE_ID_FILENAME
    if not path.is_file():
        import secrets  # once per store

        create_once(path, secrets.token_hex(16))
    return path.read_text(encoding="ascii").strip()


def mark(location: Marked, identity: str) -> None:
    """Record on ``location`` that the store ``identity`` writes there."""
    if not location.has_marker(identity):
        location.write_marker(identity)
