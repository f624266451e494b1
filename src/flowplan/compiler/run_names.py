"""What a run name may be: the compiler checks a pipeline's run name (its template filled with
its substitutions) and the executor checks the final name, with the same rule (FP340).

A run name is shown on one line, used as a key by ``Client().get_pipeline_run`` and typed in
``flow runs show NAME``: it is not empty, at most :data:`MAX_RUN_NAME` characters long, and
holds no control character (a newline would forge lines in listings and logs) and no path
separator (``a/b/../c`` reads as a path wherever runs are exported or linked).
"""

from __future__ import annotations

MAX_RUN_NAME = 200
STANDARD_PLACEHOLDERS = ("date", "time")
# What {date} and {time} look like (executor/naming.py): the compiler fills them with these
# samples to check a template before any run exists.
SAMPLE_VALUES = {"date": "2000_01_01", "time": "00_00_00_000000"}


def run_name_problem(name: str) -> str | None:
    """Why ``name`` cannot name a run, as the end of a sentence; None when it can."""
    if not name.strip():
        return "is empty"
    if len(name) > MAX_RUN_NAME:
        return f"is {len(name):,} characters long (at most {MAX_RUN_NAME})"
    if any(ord(c) < 32 or ord(c) == 127 for c in name):
        return "holds a control character (a newline, tab or similar)"
    if "/" in name or "\\" in name:
        return "holds a path separator"
    return None
