"""The files a ``flow check`` reads: checked files and the modules they import, each read
and parsed once, never imported.  Which files a check touched is recorded, so that its
cached result can be invalidated when any of them changes.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from flowplan.analyzer.imports import ModuleFinder, search_folders
from flowplan.analyzer.source import SourceFile, digest, read_source
from flowplan.analyzer.spellings import canonical, spelling_of
from flowplan.compiler.frontends.static.facts import ModuleFacts
from flowplan.compiler.frontends.static.references import attribute, flowplan_object
from flowplan.compiler.frontends.static.values import ModuleRef, Unknown
from flowplan.diagnostics import Diagnostic


class Program:
    """Modules by file, read on demand."""

    def __init__(self, roots: Sequence[Path] = ()) -> None:
        self.roots = tuple(Path(r).resolve() for r in roots)
        self._sources: dict[Path, SourceFile | Diagnostic] = {}
        self._facts: dict[Path, ModuleFacts | None] = {}
        self._finders: dict[tuple[Path, ...], ModuleFinder] = {}
        self.touched: dict[str, str] = {}
        self._resolving: set[str] = set()  # qualified names being resolved (cycles stop)

    def begin(self) -> None:
        """Start recording the files one check reads."""
        self.touched = {}

    def trim(self, keep: int = 200) -> bool:
        """Forget the files read so far once there are more than ``keep`` of them, so that a
        worker's memory does not grow with the number of files it checks (a file read
        again is parsed again).  Whether it forgot them."""
        if len(self._sources) <= keep:
            return False
        self._sources.clear()
        self._facts.clear()
        return True

    def source(self, path: Path) -> SourceFile | Diagnostic:
        path = _normal(path)
        found = self._sources.get(path)
        if found is None:
            found = read_source(path)
            self._sources[path] = found
        if isinstance(found, SourceFile):
            self.touched[found.path] = found.digest
        return found

    def source_from(self, path: Path, data: bytes) -> SourceFile | Diagnostic:
        """The source of ``path`` from ``data`` already read (by the checker)."""
        from flowplan.analyzer.source import parse_source
        from flowplan.loader import module_name_for

        path = _normal(path)
        if path not in self._sources:
            self._sources[path] = parse_source(str(path), data, module_name_for(path))
        return self.source(path)

    def facts_for(self, path: Path) -> ModuleFacts | None:
        """The facts of the module at ``path``; None when it cannot be read or parsed."""
        path = _normal(path)
        source = self.source(path)
        if path not in self._facts:
            ok = isinstance(source, SourceFile) and source.tree is not None
            self._facts[path] = ModuleFacts(self, source) if ok else None  # type: ignore[arg-type]
        return self._facts[path]

    def dependencies(self) -> dict[str, str]:
        """The files the current check read, and the modules those import, transitively
        (a module's names may have been resolved while checking another file)."""
        found = dict(self.touched)
        pending = list(found)
        while pending:
            facts = self._facts.get(Path(pending.pop()))
            for path in sorted(facts.imported) if facts is not None else ():
                source = self._sources.get(Path(path))
                if path not in found and isinstance(source, SourceFile):
                    found[path] = source.digest
                    pending.append(path)
        return found

    def read_text(self, path: Path) -> str | None:
        """A non-Python file a check depends on (a run configuration), recorded as touched."""
        try:
            data = path.read_bytes()
        except OSError:
            return None
        self.touched[str(path.resolve())] = digest(data)
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            return None

    def find_module(self, name: str, importer: ModuleFacts) -> Path | None:
        path = Path(importer.source.path)
        folders = search_folders(path, importer.source.module, self.roots)
        finder = self._finders.get(folders)
        if finder is None:
            finder = self._finders[folders] = ModuleFinder(folders)
        return finder.find(name)

    def resolve(self, qualified: str, importer: ModuleFacts) -> Any:
        """What a qualified name imported by ``importer`` stands for."""
        if spelling_of(qualified) is not None:
            return flowplan_object(canonical(qualified))
        if qualified in self._resolving:  # an import cycle: `a` imports from `b`, `b` from `a`
            return Unknown(f"`{qualified}` is imported in a cycle")
        self._resolving.add(qualified)
        try:
            return self._resolve(qualified, importer)
        finally:
            self._resolving.discard(qualified)

    def _resolve(self, qualified: str, importer: ModuleFacts) -> Any:
        parts = qualified.split(".")
        for cut in range(len(parts), 0, -1):
            module = ".".join(parts[:cut])
            path = self.find_module(module, importer)
            if path is None:
                continue
            importer.imported.add(str(_normal(path)))
            if cut == len(parts) > 1 and path.name != "__init__.py":
                bound = self._bound_in_package(parts, importer)
                if bound is not None:  # `from pkg import name`: pkg's own `name` comes first
                    return bound
            value: Any = ModuleRef(module, self.facts_for(path))
            for attr in parts[cut:]:
                value = attribute(importer, value, attr)
            return value
        return Unknown(f"`{qualified}` is not in a checked module")

    def _bound_in_package(self, parts: list[str], importer: ModuleFacts) -> Any:
        """What a package's ``__init__`` binds to ``parts[-1]`` other than the submodule of
        that name (``from .training import training`` rebinds it to the pipeline)."""
        package = self.find_module(".".join(parts[:-1]), importer)
        facts = self.facts_for(package) if package is not None else None
        if facts is None or package is None or package.name != "__init__.py":
            return None
        bound = facts.bindings.get(parts[-1])
        if bound is None or (isinstance(bound, str) and bound.endswith(".".join(parts))):
            return None
        value = facts.lookup(parts[-1])
        return None if isinstance(value, (Unknown, ModuleRef)) else value


def _normal(path: Path) -> Path:
    """An absolute, normalised path (without a file-system call when it is absolute)."""
    return Path(os.path.normpath(path)) if path.is_absolute() else path.resolve()
