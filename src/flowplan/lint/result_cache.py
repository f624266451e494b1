"""Per-file results of ``flow check``, cached under ``cache_dir()/lint``.

An entry is keyed by the file's path and content hash, flowplan's code (its version and the
size and mtime of its source files: an editable install never bumps the version) and the
configuration that changes results; it records the digest of every file the check read (the
modules it imports, the run configurations it names) and is used only while they all still
match.  Entries are written atomically; a corrupt one is ignored.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from functools import cache
from pathlib import Path

from flowplan.analyzer.module_analysis import diagnostic_from_json
from flowplan.analyzer.source import digest
from flowplan.lint.results import FileResult

FORMAT = "1"


@cache
def code_fingerprint() -> str:
    """flowplan's version and the size/mtime of its source files."""
    from flowplan import version

    root = Path(version.__file__).resolve().parent
    parts = [FORMAT, version.__version__]
    for folder in (root, root / "analyzer", root / "compiler",
                   root / "compiler" / "frontends", root / "compiler" / "frontends" / "static",
                   root / "lint", root / "lint" / "rules", root / "config"):
        with contextlib.suppress(OSError):
            for entry in sorted(os.scandir(folder), key=lambda e: e.name):
                if entry.name.endswith(".py"):
                    stat = entry.stat()
                    parts.append(f"{entry.name}:{stat.st_size}:{stat.st_mtime_ns}")
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


class ResultCache:
    """Cached :class:`FileResult` entries; ``folder=None`` disables caching."""

    def __init__(self, folder: Path | None, config_key: str) -> None:
        self.folder = folder
        self.config_key = config_key
        self._digests: dict[str, str | None] = {}

    def remember(self, path: str, value: str) -> None:
        self._digests[path] = value

    def _digest(self, path: str) -> str | None:
        if path not in self._digests:
            try:
                self._digests[path] = digest(Path(path).read_bytes())
            except OSError:
                self._digests[path] = None
        return self._digests[path]

    def _entry(self, path: str, content: str) -> Path | None:
        if self.folder is None:
            return None
        key = hashlib.sha256(
            f"{code_fingerprint()}|{self.config_key}|{path}|{content}".encode()
        ).hexdigest()
        return self.folder / key[:2] / f"{key}.json"

    def load(self, path: str, content: str) -> FileResult | None:
        entry = self._entry(path, content)
        if entry is None:
            return None
        try:
            data = json.loads(entry.read_text(encoding="utf-8"))
            if any(self._digest(p) != d for p, d in data["depends"].items()):
                return None
            found = [diagnostic_from_json(d) for d in data["diagnostics"]]
            return FileResult(data["path"], found, data["depends"])
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def store(self, result: FileResult) -> None:
        content = result.depends.get(result.path)
        entry = self._entry(result.path, content) if content else None
        if entry is None:
            return
        with contextlib.suppress(OSError):
            entry.parent.mkdir(parents=True, exist_ok=True)
            handle, temp = tempfile.mkstemp(dir=entry.parent, suffix=".tmp")
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                json.dump(result.to_json(), out)
            os.replace(temp, entry)
