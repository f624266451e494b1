"""Which files ``flow check`` looks at: Python files under the given paths (default: the
project root) and the run configurations among the YAML files there (those the
``run-configs`` globs of ``[tool.flowplan]`` match; DESIGN decision 18), plus YAML files
named explicitly, minus what ``exclude`` and the usual tool and environment folders rule out
in the folders walked (a file named explicitly is checked)."""

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
    folders: list[Path] = field(default_factory=list)  # folders named (or the project root)

    def shown(self, path: Path, config: LintConfig) -> bool:
        """Whether problems found in ``path`` are reported: a file named on the command line
        always; otherwise unless ``exclude`` rules it out (below the named folder that holds
        it, if any -- a named folder is checked even where ``exclude`` matches it)."""
        if path in self.explicit:
            return True
        below = next((f for f in self.folders if path.is_relative_to(f)), None)
        return not is_excluded(path, config, below)


def relative(path: Path, root: Path) -> PurePosixPath:
    try:
        return PurePosixPath(path.relative_to(root).as_posix())
    except ValueError:
        return PurePosixPath(path.as_posix())


def is_excluded(path: Path, config: LintConfig, below: Path | None = None) -> bool:
    """Whether ``exclude`` matches the path or one of its folders.  A pattern without a
    slash matches any single name (``build``, ``*_pb2.py``); with one, the path from the
    project root (``fixtures/bad``, ``src/*/generated.py``).  With ``below`` (a folder named
    on the command line, which is always checked), only what lies below it is matched."""
    names = relative(path, config.root).parts
    start = 0
    if below is not None and path.is_relative_to(below):
        start = len(relative(below, config.root).parts)
    prefixes = [PurePosixPath(*names[: i + 1]).as_posix() for i in range(start, len(names))]
    names = names[start:]
    for pattern in config.exclude:
        pattern = pattern.strip().rstrip("/")
        if "/" in pattern:
            if any(fnmatch.fnmatchcase(p, pattern) for p in prefixes):
                return True
        elif any(fnmatch.fnmatchcase(n, pattern) for n in names):
            return True
    return False


def _matches(names: Sequence[str], pattern: Sequence[str]) -> bool:
    """Whether path segments ``names`` match glob segments ``pattern`` (``**``: any number
    of folders, ``*``/``?``/``[...]`` within one segment)."""
    if not pattern:
        return not names
    if pattern[0] == "**":
        return any(_matches(names[i:], pattern[1:]) for i in range(len(names) + 1))
    return bool(names) and fnmatch.fnmatchcase(names[0], pattern[0]) and _matches(
        names[1:], pattern[1:])


def is_run_config(path: Path, config: LintConfig) -> bool:
    """Whether a ``run-configs`` glob matches the file: a pattern without a slash matches
    the file's name in any folder (``run*.yaml``), one with a slash the path from the
    project root (``configs/*.yaml``, ``pipelines/**/config.yml``)."""
    names = relative(path, config.root).parts
    for pattern in config.run_configs:
        pattern = pattern.strip().removeprefix("./").lstrip("/")
        if "/" not in pattern:
            if names and fnmatch.fnmatchcase(names[-1], pattern):
                return True
        elif _matches(names, [p for p in pattern.split("/") if p]):
            return True
    return False


def _walk(folder: Path, config: LintConfig, *, configs: bool = True) -> Iterable[Path]:
    for current, dirs, files in os.walk(folder):
        here = Path(current)
        dirs[:] = sorted(
            d for d in dirs
            if not d.startswith(".") and d not in ALWAYS_EXCLUDED and not d.endswith(".egg-info")
            and not is_excluded(here / d, config, folder)
        )
        for name in sorted(files):
            path = here / name
            wanted = name.endswith(PYTHON_SUFFIXES) or (
                configs and name.endswith(YAML_SUFFIXES) and is_run_config(path, config))
            if wanted and not is_excluded(path, config, folder):
                yield path


def discover(paths: Sequence[str], config: LintConfig) -> Targets:
    """The files to check; paths that do not exist are listed in ``missing``."""
    targets = Targets()
    seen: set[Path] = set()
    for given in paths or [str(config.root)]:
        path = Path(given).absolute()
        if path.is_dir():
            found: Iterable[Path] = _walk(path, config)
            targets.folders.append(path.resolve())
        elif path.is_file():
            found = [path]  # named explicitly: checked even where `exclude` matches
            targets.explicit.add(path.resolve())
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
    return list(_walk(root, config, configs=False))
