"""Run references, as people type them: a run's name, its id or a unique prefix of the id,
``latest`` (the newest listed run) or ``latest~N`` (the N-th before it).  An exact name or id
always wins, so a run named ``latest`` stays reachable by its name."""

from __future__ import annotations

import re
import sqlite3

from flowplan.diagnostics import StoreError
from flowplan.messages import store as store_messages
from flowplan.store.queries import RUNS

LATEST = re.compile(r"latest(?:~(\d+))?")
ID_PREFIX = re.compile(r"[0-9a-f-]{4,36}")
MIN_PREFIX = 4  # id characters needed before a prefix is looked up


def find_run(conn: sqlite3.Connection, reference: str, normalised_id: str) -> sqlite3.Row | None:
    """The run row ``reference`` names, or None; an ambiguous id prefix is ``FP545``."""
    for column, value in (("id", normalised_id), ("name", reference)):  # an id wins
        row: sqlite3.Row | None = conn.execute(
            f"{RUNS} WHERE runs.{column} = ?", (value,)
        ).fetchone()
        if row is not None:
            return row
    latest = LATEST.fullmatch(reference)
    if latest:
        back = int(latest.group(1) or 0)
        found: sqlite3.Row | None = conn.execute(
            f"{RUNS} WHERE unlisted = 0 ORDER BY created DESC, runs.rowid DESC LIMIT 1 OFFSET ?",
            (back,),
        ).fetchone()
        return found
    prefix = reference.lower()
    if not ID_PREFIX.fullmatch(prefix):
        return None
    rows = conn.execute(
        f"{RUNS} WHERE id LIKE ? ORDER BY created DESC LIMIT 6", (prefix + "%",)
    ).fetchall()
    if len(rows) > 1:
        matches = [(r["id"], r["name"]) for r in rows]
        raise StoreError(store_messages.ambiguous_run_prefix(reference, matches))
    return rows[0] if rows else None
