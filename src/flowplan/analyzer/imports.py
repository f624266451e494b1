"""Which qualified name each imported name of a module stands for, and where modules live.

``from .steps import load as l`` in ``pkg/pipes.py`` binds ``l`` to ``pkg.steps.load``;
``import numpy as np`` binds ``np`` to ``numpy``.  A module name is resolved to a file by
looking under the folders a run would have on ``sys.path`` -- the top of the file's package
chain -- and under the checked roots; nothing is imported.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from flowplan.analyzer.blocks import statement_blocks


@dataclass
class ImportMap:
    """Names bound by the module-level imports of one module."""

    names: dict[str, str] = field(default_factory=dict)  # bound name -> qualified name
    modules: set[str] = field(default_factory=set)  # bound names that are modules for sure
    star: list[str] = field(default_factory=list)  # modules imported with ``*``


def package_of(module: str, is_package: bool) -> str:
    return module if is_package else module.rpartition(".")[0]


def absolute(node: ast.ImportFrom, package: str) -> str | None:
    """The absolute module of a ``from … import``; None when it climbs above the top."""
    if not node.level:
        return node.module or ""
    parts = package.split(".") if package else []
    if node.level - 1 > len(parts):
        return None
    base = parts[: len(parts) - (node.level - 1)]
    if node.module:
        base.append(node.module)
    return ".".join(base) if base else None


def import_statements(body: Sequence[ast.stmt]) -> Iterator[ast.Import | ast.ImportFrom]:
    """Imports run at import time: top level, and inside top-level ``if``/``try``/``with``."""
    for stmt in body:
        if isinstance(stmt, (ast.Import, ast.ImportFrom)):
            yield stmt
        elif isinstance(stmt, (ast.If, ast.Try, ast.With)):
            for block in statement_blocks(stmt):
                yield from import_statements(block)


def import_map(statements: Iterable[ast.Import | ast.ImportFrom], package: str) -> ImportMap:
    result = ImportMap()
    for stmt in statements:
        if isinstance(stmt, ast.Import):
            for alias in stmt.names:
                if alias.asname:
                    result.names[alias.asname] = alias.name
                    result.modules.add(alias.asname)
                else:
                    head = alias.name.split(".")[0]
                    result.names[head] = head
                    result.modules.add(head)
            continue
        source = absolute(stmt, package)
        if source is None:
            continue
        for alias in stmt.names:
            if alias.name == "*":
                result.star.append(source)
                continue
            bound = alias.asname or alias.name
            result.names[bound] = f"{source}.{alias.name}" if source else alias.name
            result.modules.discard(bound)
    return result


@dataclass(frozen=True)
class ModuleFinder:
    """Finds the file of a module under a list of folders (like ``sys.path``, statically)."""

    folders: tuple[Path, ...]

    def find(self, module: str) -> Path | None:
        if not module:
            return None
        parts = module.split(".")
        for folder in self.folders:
            base = folder.joinpath(*parts)
            for candidate in (base.with_suffix(".py"), base / "__init__.py"):
                if candidate.is_file():
                    return candidate
        return None


def search_folders(path: Path, module: str, roots: Iterable[Path]) -> tuple[Path, ...]:
    """Where imports of the file at ``path`` (module ``module``) are looked for: the top of
    its package chain (what a run puts on ``sys.path``), the folders between the file and a
    checked root (where a project's ``run.py`` usually lives), then the checked roots and
    their ``src`` folders."""
    top = path.parent
    for _ in range(module.count(".")):
        top = top.parent
    folders: dict[Path, None] = {top: None}
    roots = list(roots)
    for folder in path.parents:
        if not any(folder == root or root in folder.parents for root in roots):
            break
        folders[folder] = None
    for root in roots:
        folders[root] = None
        if (root / "src").is_dir():
            folders[root / "src"] = None
    return tuple(folders)
