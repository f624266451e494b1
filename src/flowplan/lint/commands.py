"""What ``flow check`` and ``flow rules`` do (the click commands in
:mod:`flowplan.cli` only parse options)."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from flowplan.diagnostics import Severity

EXIT_CLEAN, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2


def _start(paths: Sequence[str]) -> Path:
    """Where the project (its pyproject.toml) is looked for: around the first path."""
    if not paths:
        return Path.cwd()
    first = Path(paths[0]).absolute()
    return first if first.is_dir() else first.parent


def run_check(
    paths: Sequence[str],
    *,
    fmt: str = "text",
    select: Sequence[str] = (),
    ignore: Sequence[str] = (),
    strict: bool = False,
    use_cache: bool = True,
    fix: bool = False,
    jobs: int | None = None,
) -> int:
    """Check, print the report, and return the exit status of the ``flow check`` contract."""
    from flowplan.lint.config import load_config
    from flowplan.lint.formats import render
    from flowplan.lint.runner import check_paths
    from flowplan.version import __version__

    config = load_config(_start(paths), select, ignore)
    report = check_paths(paths, config, use_cache=use_cache, jobs=jobs)
    if report.missing:
        for missing in report.missing:
            print(f"error: no such file or directory: {missing}", file=sys.stderr)
        return EXIT_USAGE
    fixed = 0
    if fix:
        from flowplan.lint.fix import apply_fixes

        fixed = apply_fixes(report.diagnostics)
        if fixed:
            report = check_paths(paths, config, use_cache=use_cache, jobs=jobs)
    print(render(fmt, report.diagnostics, report.files, fixed, __version__))
    if any(d.code == "FP901" for d in report.diagnostics):
        return EXIT_USAGE
    if any(d.severity is Severity.ERROR for d in report.diagnostics):
        return EXIT_PROBLEMS
    return EXIT_PROBLEMS if strict and report.diagnostics else EXIT_CLEAN


def list_rules() -> str:
    from flowplan.lint.docs import rules_table

    return rules_table()
