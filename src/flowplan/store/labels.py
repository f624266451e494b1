"""Metadata and tags of runs, step runs and artifact versions (schema v4).

``kind`` says what ``owner`` is: ``run``, ``step_run`` or ``artifact``.  Metadata values are
JSON; logging a key again replaces its value.  Tags are a set per owner.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, Literal
from uuid import UUID

from flowplan.store.catalog import dumps

if TYPE_CHECKING:
    from flowplan.store.connection import Database

Kind = Literal["run", "step_run", "artifact"]


def write_labels(
    conn: sqlite3.Connection,
    kind: Kind,
    owner: UUID | str,
    metadata: Mapping[str, Any] | None = None,
    tags: Iterable[str] = (),
) -> None:
    """Record metadata and tags inside the caller's transaction."""
    now = time.time()
    conn.executemany(
        "INSERT OR REPLACE INTO run_metadata (kind, owner, key, value, created)"
        " VALUES (?, ?, ?, ?, ?)",
        [(kind, str(owner), str(k), dumps(v), now) for k, v in (metadata or {}).items()],
    )
    conn.executemany(
        "INSERT OR IGNORE INTO tags (kind, owner, tag) VALUES (?, ?, ?)",
        [(kind, str(owner), str(tag)) for tag in tags],
    )


class Labels:
    """Metadata and tags over the store's database (mixed into ``MetadataStore``)."""

    db: Database

    def add_labels(
        self,
        kind: Kind,
        owner: UUID | str,
        metadata: Mapping[str, Any] | None = None,
        tags: Iterable[str] = (),
    ) -> None:
        tags = list(tags)
        if metadata or tags:
            self.db.write(lambda c: write_labels(c, kind, owner, metadata, tags))

    def remove_tags(self, kind: Kind, owner: UUID | str, tags: Iterable[str]) -> None:
        rows = [(kind, str(owner), str(t)) for t in tags]
        self.db.write(
            lambda c: c.executemany(
                "DELETE FROM tags WHERE kind = ? AND owner = ? AND tag = ?", rows
            )
        )

    def get_metadata(self, kind: Kind, owner: UUID | str) -> dict[str, Any]:
        rows = self.db.read(
            lambda c: c.execute(
                "SELECT key, value FROM run_metadata WHERE kind = ? AND owner = ? ORDER BY key",
                (kind, str(owner)),
            ).fetchall()
        )
        return {row[0]: json.loads(row[1]) for row in rows}

    def get_tags(self, kind: Kind, owner: UUID | str) -> list[str]:
        rows = self.db.read(
            lambda c: c.execute(
                "SELECT tag FROM tags WHERE kind = ? AND owner = ? ORDER BY tag",
                (kind, str(owner)),
            ).fetchall()
        )
        return [row[0] for row in rows]
