"""One Python file as the static front end reads it: text, ``ast`` tree, lazily a libcst tree.

The ``ast`` tree gives every node's position for free; the libcst tree (parsed only for files
that define steps) gives the analyzer's exact reading of step signatures.  Nothing here ever
imports or runs the file.
"""

from __future__ import annotations

import ast
import hashlib
import importlib.util
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from flowplan.analyzer.positions import NEWLINE, char_column
from flowplan.diagnostics import Diagnostic
from flowplan.messages import files
from flowplan.messages.files import TOO_DEEP
from flowplan.messages.files import syntax_error as syntax_error  # the analyzer's FP001

if TYPE_CHECKING:
    import libcst

Located = ast.expr | ast.stmt | ast.arg | ast.keyword  # ast nodes with a position


def digest(data: bytes) -> str:
    """The content hash that keys caches and dependency checks."""
    return hashlib.blake2b(data, digest_size=16).hexdigest()


@dataclass
class SourceFile:
    """A decoded source file; ``tree`` is None when it does not parse (``error`` says why)."""

    path: str
    text: str
    digest: str
    module: str
    tree: ast.Module | None = None
    error: Diagnostic | None = None
    _cst: libcst.Module | None = field(default=None, repr=False)

    @cached_property
    def lines(self) -> list[str]:
        if "\r" not in self.text:  # decoded sources have universal newlines: a plain split
            return self.text.split("\n")
        return NEWLINE.split(self.text)

    @cached_property
    def line_ends(self) -> list[str]:
        """The line break after each line ('' after the last), to rebuild segments."""
        breaks = NEWLINE.findall(self.text)
        return [*breaks, ""][: len(self.lines)]

    def segment(self, node: ast.expr) -> str | None:
        """The exact source of ``node`` (``ast.get_source_segment``, without re-splitting
        the whole file on every call)."""
        end_line, end_offset = node.end_lineno, node.end_col_offset
        if end_line is None or end_offset is None or end_line > len(self.lines):
            return None
        first, last = node.lineno - 1, end_line - 1
        if first == last:
            return _cut(self.lines[first], node.col_offset, end_offset)
        parts = [_cut(self.lines[first], node.col_offset, None) + self.line_ends[first]]
        parts += [self.lines[i] + self.line_ends[i] for i in range(first + 1, last)]
        parts.append(_cut(self.lines[last], 0, end_offset))
        return "".join(parts)

    def column(self, line: int, byte_offset: int) -> int:
        """The 1-based character column of an ``ast`` offset (which counts UTF-8 bytes)."""
        return char_column(self.lines, line, byte_offset)

    def where(self, node: Located) -> tuple[str, int, int]:
        return self.path, node.lineno, self.column(node.lineno, node.col_offset)

    def end(self, node: Located) -> tuple[int | None, int | None]:
        line, offset = node.end_lineno, node.end_col_offset
        if line is None or offset is None:
            return None, None
        return line, self.column(line, offset)

    @property
    def cst(self) -> libcst.Module:
        """The libcst tree, parsed on first use."""
        if self._cst is None:
            import libcst

            self._cst = libcst.parse_module(self.text)
        return self._cst

    def release_cst(self) -> None:
        self._cst = None

    @cached_property
    def mentions_yield(self) -> bool:
        """Whether any def may be a generator (read once, not once per step)."""
        return "yield" in self.text

    @cached_property
    def typing_aliases(self) -> dict[str, str]:
        """Names bound by a module-level ``from typing import Tuple as T``: ``{"T": "Tuple"}``."""
        found = {}
        for stmt in self.tree.body if self.tree is not None else ():
            if isinstance(stmt, ast.ImportFrom) and stmt.module in ("typing", "typing_extensions"):
                found.update({a.asname: a.name for a in stmt.names if a.asname})
        return found

    @cached_property
    def future_annotations(self) -> bool:
        """Whether ``from __future__ import annotations`` makes annotations strings."""
        return self.tree is not None and any(
            isinstance(s, ast.ImportFrom)
            and s.module == "__future__"
            and any(a.name == "annotations" for a in s.names)
            for s in self.tree.body
        )


def _cut(line: str, start: int, end: int | None) -> str:
    """``line[start:end]`` where the offsets count UTF-8 bytes, as ``ast`` offsets do."""
    if line.isascii():
        return line[start:end]
    return line.encode()[start:end].decode("utf-8", "replace")


def unreadable(path: str, reason: str, line: int | None = None) -> Diagnostic:
    return files.unreadable_source(reason, path, line)


def decode(path: str, data: bytes) -> str | Diagnostic:
    """The text of a Python file (its coding cookie honoured); FP002 at the line at fault."""
    try:
        return importlib.util.decode_source(data)
    except UnicodeDecodeError as exc:
        return unreadable(path, str(exc), data[: exc.start].count(b"\n") + 1)
    except (SyntaxError, LookupError) as exc:
        head = data.split(b"\n", 2)[:2]
        line = next((i + 1 for i, text in enumerate(head) if b"coding" in text), None)
        return unreadable(path, str(exc), line)


def parse_source(path: str, data: bytes, module: str) -> SourceFile | Diagnostic:
    """Decode and parse ``data``; FP002 when it cannot be decoded."""
    text = decode(path, data)
    if isinstance(text, Diagnostic):
        return text
    source = SourceFile(path=path, text=text, digest=digest(data), module=module)
    try:
        source.tree = parse_module(text, path, source.lines)
    except SyntaxError as exc:
        source.error = syntax_error(exc.msg, path, exc.lineno, exc.offset)
    except ValueError as exc:  # null bytes
        source.error = syntax_error(str(exc), path, None, None)
    except (RecursionError, MemoryError):
        source.error = syntax_error(TOO_DEEP, path, None, None)
    return source


def read_source(path: Path, module: str | None = None) -> SourceFile | Diagnostic:
    """Read and parse the file at ``path`` (an absolute path); FP002 when it cannot be read."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        return unreadable(str(path), exc.strerror or str(exc))
    if module is None:
        from flowplan.loader import module_name_for

        module = module_name_for(path)
    return parse_source(str(path), data, module)


CHUNK_LINES = 5_000  # a file this many lines long and more is parsed in pieces of about this
_DEFINITION = re.compile(r"(?:@|def\s|class\s|async\s+def\s)")


def parse_module(
    text: str, path: str, lines: list[str] | None = None, chunk_lines: int = CHUNK_LINES
) -> ast.Module:
    """``ast.parse(text)``; a long file is parsed in pieces that each begin at a top-level
    definition, the tree the same.  The parser holds its own copy of what it parses while
    it builds the tree: for a file of 20,000 steps that copy is larger than the tree, and
    parsing it whole makes the process touch (and the kernel hand over) that much more
    memory.  Any piece that does not parse alone -- a split inside a string or brackets,
    or a real error -- means the whole file is parsed at once, for the real tree or error.
    ``lines``: the text's lines, when the caller has them already."""
    if "\r" in text:  # a lone CR breaks lines too: no pieces
        return ast.parse(text, filename=path)
    if lines is None:
        lines = text.split("\n")
    if len(lines) < 2 * chunk_lines:
        return ast.parse(text, filename=path)
    starts = _piece_starts(lines, chunk_lines)
    body: list[ast.stmt] = []
    try:
        for start, end in zip(starts, [*starts[1:], len(lines)], strict=True):
            # Blank lines first, so that every position in the piece is the file's.
            piece = "\n" * start + "\n".join(lines[start:end])
            body += ast.parse(piece, filename=path).body
    except (SyntaxError, ValueError):
        return ast.parse(text, filename=path)
    return ast.Module(body=body, type_ignores=[])


def _piece_starts(lines: list[str], chunk_lines: int) -> list[int]:
    """Indexes of the lines where pieces begin: about every ``chunk_lines`` lines, at the
    first line of a top-level definition (its first decorator) after a blank line."""
    starts = [0]
    at = chunk_lines
    while at < len(lines):
        if _DEFINITION.match(lines[at]) and not lines[at - 1].strip():
            starts.append(at)
            at += chunk_lines
        else:
            at += 1
    return starts
