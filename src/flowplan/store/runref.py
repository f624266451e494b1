"""Run references, as people type them: a run's name, its id or a unique prefix of the id,
``latest`` (the newest listed run) or ``latest~N`` (the N-th before it).  An exact name or id
always wins, so a run named ``latest`` stays reachable by its name."""

from __future__ import annotations

import sqlite3

from flowplan.diagnostics import StoreError
from flowplan.messages import store as store_messages
from flowplan.store.queries import RUNS

MIN_PREFIX = 4  # id characters needed before a prefix is looked up
_ID_CHARACTERS = "0123456789abcdef-"


def latest_back(reference: str) -> int | None:
    """N for ``latest~N`` (0 for ``latest``), None for any other reference."""
    if reference == "latest":
        return 0
    back = reference.removeprefix("latest~")
    return int(back) if back != reference and back.isdecimal() else None


def is_id_prefix(text: str) -> bool:
    """Whether ``text`` may start an id: 4 to 36 of ``[0-9a-f-]``."""
    return MIN_PREFIX <= len(text) <= 36 and not text.strip(_ID_CHARACTERS)


def find_run(conn: sqlite3.Connection, reference: str, normalised_id: str) -> sqlite3.Row | None:
    """The run row ``reference`` names, or None; an ambiguous id prefix is ``FP545``."""
    for column, value in (("id", normalised_id), ("name", reference)):  # an id wins
        row: sqlite3.Row | None = conn.execute(
            f"{RUNS} WHERE runs.{column} = ?", (value,)
        ).fetchone()
        if row is not None:
            return row
    back = latest_back(reference)
    if back is not None:
        found: sqlite3.Row | None = conn.execute(
            f"{RUNS} WHERE unlisted = 0 ORDER BY created DESC, runs.rowid DESC LIMIT 1 OFFSET ?",
            (back,),
        ).fetchone()
        return found
    prefix = reference.lower()
    if not is_id_prefix(prefix):
        return None
    rows = conn.execute(
        f"{RUNS} WHERE id LIKE ? ORDER BY created DESC LIMIT 6", (prefix + "%",)
    ).fetchall()
    if len(rows) > 1:
        matches = [(r["id"], r["name"]) for r in rows]
        raise StoreError(store_messages.ambiguous_run_prefix(reference, matches))
    return rows[0] if rows else None
