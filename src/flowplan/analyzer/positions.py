"""1-based character positions from ``ast`` nodes, whose column offsets count UTF-8 bytes."""

from __future__ import annotations

import ast
import re
from collections.abc import Sequence

NEWLINE = re.compile(r"\r\n|\r|\n")
_DEF_KEYWORD = re.compile(r"(?:async\s+)?def\s+")


def char_column(lines: Sequence[str], line: int, byte_offset: int) -> int:
    """The 1-based character column of byte offset ``byte_offset`` on 1-based ``line``."""
    text = lines[line - 1] if 0 < line <= len(lines) else ""
    if text.isascii():
        return byte_offset + 1
    return len(text.encode()[:byte_offset].decode("utf-8", "replace")) + 1


def def_name_site(
    lines: Sequence[str], node: ast.FunctionDef | ast.AsyncFunctionDef
) -> tuple[int, int]:
    """Where a def's name is written (the site of a missing return annotation)."""
    start = char_column(lines, node.lineno, node.col_offset)
    text = lines[node.lineno - 1] if node.lineno <= len(lines) else ""
    match = _DEF_KEYWORD.match(text, start - 1)
    return node.lineno, (match.end() + 1 if match else start)
