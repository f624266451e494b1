"""What ``flow check`` and ``flow rules`` do (the click commands in
:mod:`flowplan.cli` only parse options)."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Sequence
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

    unknown = unknown_codes([*select, *ignore])
    if unknown:
        print(f"error: no code starts with {', '.join(f'`{c}`' for c in unknown)} "
              "(--select/--ignore take codes or prefixes such as FP2 or FP801; see "
              "`flow rules`)", file=sys.stderr)
        return EXIT_USAGE
    config = load_config(_start(paths), select, ignore)
    report = check_paths(paths, config, use_cache=use_cache, jobs=jobs)
    if report.missing:
        for missing in report.missing:
            print(f"error: no such file or directory: {missing}", file=sys.stderr)
        return EXIT_USAGE
    for path in report.not_run_configs:  # decision 18: a file named, yet not checked
        print(f"note: {path} is not a run configuration (no `config_path=` names it and no "
              "`run-configs` glob of [tool.flowplan] matches it): not checked", file=sys.stderr)
    fixed = 0
    if fix:
        from flowplan.lint.fix import apply_fixes

        fixed = apply_fixes(report.diagnostics)
        if fixed:
            report = check_paths(paths, config, use_cache=use_cache, jobs=jobs)
    emit(render(fmt, report.diagnostics, report.files, fixed, __version__))
    if any(d.code == "FP901" for d in report.diagnostics):
        return EXIT_USAGE
    if any(d.severity is Severity.ERROR for d in report.diagnostics):
        return EXIT_PROBLEMS
    return EXIT_PROBLEMS if strict and report.diagnostics else EXIT_CLEAN


def unknown_codes(values: Iterable[str]) -> list[str]:
    """The ``--select``/``--ignore`` entries that no code starts with (a typo such as
    ``FPX`` would otherwise select nothing and pass)."""
    from flowplan.codes import CATALOG

    given = [v.strip().upper() for value in values for v in value.split(",") if v.strip()]
    return [p for p in given if not any(code.startswith(p) for code in CATALOG)]


def emit(text: str) -> None:
    """Print the report; a reader that closed the pipe (``flow check | head -1``) ends the
    output quietly instead of raising ``BrokenPipeError``."""
    try:
        print(text, flush=True)
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # the interpreter's final flush must not fail
        os.close(devnull)


def list_rules() -> str:
    from flowplan.lint.docs import rules_table

    return rules_table()
