"""``# noqa`` silences every diagnostic on its line; ``# noqa: FP101,FP203`` only those codes.

A ``# noqa`` naming only other tools' codes (``# noqa: E501``) silences nothing here.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence

from flowplan.diagnostics import Diagnostic

NOQA = re.compile(
    r"#\s*noqa(?::\s*(?P<codes>[A-Za-z]+[0-9]+(?:[\s,]+[A-Za-z]+[0-9]+)*))?", re.IGNORECASE
)
_CODE = re.compile(r"[A-Za-z]+[0-9]+")


def silenced_codes(line: str) -> set[str] | None:
    """The codes a line's ``# noqa`` silences: None for none, an empty set for all."""
    match = NOQA.search(line)
    if match is None:
        return None
    codes = match.group("codes")
    return set() if codes is None else {c.upper() for c in _CODE.findall(codes)}


def is_silenced(diagnostic: Diagnostic, lines: Sequence[str]) -> bool:
    line = diagnostic.line
    if line is None or not 0 < line <= len(lines):
        return False
    codes = silenced_codes(lines[line - 1])
    return codes is not None and (not codes or diagnostic.code in codes)


def unsilenced(
    diagnostics: Iterable[Diagnostic], lines_of: Callable[[str], Sequence[str]]
) -> list[Diagnostic]:
    """The diagnostics no ``# noqa`` on their line silences."""
    return [d for d in diagnostics if d.path is None or not is_silenced(d, lines_of(d.path))]
