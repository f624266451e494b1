"""Which files ``flow check`` looks at: Python files under the given paths (default: the
project root), YAML files named explicitly, minus what ``exclude`` and the usual tool and
environment folders rule out in the folders walked (a file named explicitly is checked)."""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from flowplan.lint.config import LintConfig

ALWAYS_EXCLUDED = frozenset({
    "__pycache__", "node_modules", "venv", "build", "dist", "site-packages", "__pypackages__",
})
PYTHON_SUFFIXES = (".py",)
YAML_SUFFIXES = (".yaml", ".yml")


@dataclass
class Targets:
    python: list[Path] = field(default_factory=list)
    yaml: list[Path] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    explicit: set[Path] = field(default_factory=set)  # files named on the command line


def relative(path: Path, root: Path) -> PurePosixPath:
    try:
        return PurePosixPath(path.relative_to(root).as_posix())
    except ValueError:
        return PurePosixPath(path.as_posix())


def is_excluded(path: Path, config: LintConfig) -> bool:
    """Whether ``exclude`` matches the path or one of its folders.  A pattern without a
    slash matches any single name (``build``, ``*_pb2.py``); with one, the path from the
    project root (``fixtures/bad``, ``src/*/generated.py``)."""
    rel = relative(path, config.root)
    names = rel.parts
    prefixes = [PurePosixPath(*names[: i + 1]).as_posix() for i in range(len(names))]
    for pattern in config.exclude:
        pattern = pattern.strip().rstrip("/")
        if "/" in pattern:
            if any(fnmatch.fnmatchcase(p, pattern) for p in prefixes):
                return True
        elif any(fnmatch.fnmatchcase(n, pattern) for n in names):
            return True
    return False


def _walk(folder: Path, config: LintConfig) -> Iterable[Path]:
    for current, dirs, files in os.walk(folder):
        here = Path(current)
        dirs[:] = sorted(
            d for d in dirs
            if not d.startswith(".") and d not in ALWAYS_EXCLUDED and not d.endswith(".egg-info")
            and not is_excluded(here / d, config)
        )
        for name in sorted(files):
            if name.endswith(PYTHON_SUFFIXES):
                path = here / name
                if not is_excluded(path, config):
                    yield path


def discover(paths: Sequence[str], config: LintConfig) -> Targets:
    """The files to check; paths that do not exist are listed in ``missing``."""
    targets = Targets()
    seen: set[Path] = set()
    for given in paths or [str(config.root)]:
        path = Path(given).absolute()
        if path.is_dir():
            found: Iterable[Path] = _walk(path, config)
        elif path.is_file():
            found = [path]  # named explicitly: checked even where `exclude` matches
            targets.explicit.add(path)
        else:
            targets.missing.append(given)
            continue
        for file in found:
            if file in seen:
                continue
            seen.add(file)
            if file.suffix in YAML_SUFFIXES:
                targets.yaml.append(file)
            elif file.suffix in PYTHON_SUFFIXES or path.is_file():
                targets.python.append(file)
    return targets


def python_files(root: Path, config: LintConfig) -> list[Path]:
    """Every Python file of the project (to find the pipelines a YAML file configures)."""
    return list(_walk(root, config))
