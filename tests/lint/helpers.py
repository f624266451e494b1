"""Running ``flow check`` on files written into a temporary project."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from flowplan.diagnostics import Diagnostic
from flowplan.lint.config import load_config
from flowplan.lint.runner import check_paths

Found = tuple[str, str, int | None, int | None]


def write_project(root: Path, files: Mapping[str, str]) -> Path:
    """Write ``files`` under ``root`` (with an empty pyproject.toml unless one is given)."""
    root.mkdir(parents=True, exist_ok=True)
    if "pyproject.toml" not in files:
        (root / "pyproject.toml").write_text("[project]\nname = 'example'\n")
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def check_project(root: Path, paths: list[str] | None = None, **options: object) -> list[Diagnostic]:
    config = load_config(root)
    report = check_paths(paths or [str(root)], config, use_cache=False, jobs=1, **options)  # type: ignore[arg-type]
    return report.diagnostics


def located(diagnostics: list[Diagnostic], root: Path) -> set[Found]:
    """``(file, code, line, column)`` with the file relative to ``root``."""
    out = set()
    for d in diagnostics:
        path = Path(d.path).resolve().relative_to(root.resolve()).as_posix() if d.path else ""
        out.add((path, d.code, d.line, d.column))
    return out
