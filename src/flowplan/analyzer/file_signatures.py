"""Step signatures of one file, read on demand as ``flow check`` reads them.

For a tool that asks about a few functions of a file at a time (the mypy plugin): the file
is parsed once with ``ast``; each function's signature comes from the ``ast`` where that
reading is certain (:func:`flowplan.analyzer.ast_signatures.quick_signature`), else from the
analyzer's libcst reading.  Files are remembered by path, modification time and size.
"""

from __future__ import annotations

import os
from pathlib import Path

from flowplan.analyzer.ast_signatures import FunctionNode, ast_functions, quick_signature
from flowplan.analyzer.signature import StepSignature
from flowplan.analyzer.source import SourceFile, read_source


class FileSignatures:
    def __init__(self, source: SourceFile) -> None:
        self.source = source
        tree = source.tree.body if source.tree is not None else []
        self.nodes: dict[str, FunctionNode] = dict(ast_functions(tree))
        self._read: dict[str, StepSignature | None] = {}

    def signature(self, qualname: str) -> StepSignature | None:
        """The signature of the def ``qualname`` (None when there is none or libcst fails)."""
        if qualname not in self._read:
            node = self.nodes.get(qualname)
            found = None if node is None else quick_signature(self.source, qualname, node)
            if node is not None and found is None:
                from flowplan.analyzer.step_signatures import step_signatures

                exact, _ = step_signatures(self.source, [node])
                found = exact.get(id(node))
            self._read[qualname] = found
        return self._read[qualname]


_FILES: dict[str, tuple[tuple[int, int], FileSignatures]] = {}


def file_signatures(path: str) -> FileSignatures | None:
    """The signatures of the Python file at ``path``; None when it cannot be read."""
    try:
        stat = os.stat(path)
    except OSError:
        return None
    stamp = (stat.st_mtime_ns, stat.st_size)
    known = _FILES.get(path)
    if known is not None and known[0] == stamp:
        return known[1]
    source = read_source(Path(path).resolve(), module="")
    if not isinstance(source, SourceFile) or source.tree is None:
        return None
    _FILES[path] = (stamp, FileSignatures(source))
    return _FILES[path][1]
