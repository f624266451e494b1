"""Checking one file: every rule over it, ``# noqa`` applied, and the files its result
depends on (itself, the modules it imports, the run configurations it names)."""

from __future__ import annotations

import traceback
from pathlib import Path
from typing import TYPE_CHECKING

from flowplan.analyzer.deep_stack import deeply
from flowplan.analyzer.source import SourceFile
from flowplan.compiler.frontends.static.program import Program
from flowplan.diagnostics import Diagnostic
from flowplan.lint.config import LintConfig
from flowplan.lint.noqa import unsilenced
from flowplan.lint.results import FileResult
from flowplan.messages import internal

if TYPE_CHECKING:
    from flowplan.compiler.frontends.static.facts import ModuleFacts
    from flowplan.lint.shards import Shard


def check_file(
    path: Path, data: bytes, program: Program, config: LintConfig, shards: int = 1
) -> FileResult:
    """The problems of the Python file ``path`` whose content is ``data``, checked by
    ``shards`` processes (:mod:`flowplan.lint.shards`)."""
    program.begin()
    source = program.source_from(path, data)
    if not isinstance(source, SourceFile):
        return FileResult(str(path), [source], program.dependencies())
    if source.error is not None or source.tree is None:
        found = [source.error] if source.error else []
        return FileResult(source.path, found, program.dependencies())
    facts = program.facts_for(Path(source.path))
    assert facts is not None
    if shards < 2:
        found, depends = run_rules(source, facts, program, config, None)
    else:
        from flowplan.lint.shards import check_shards

        found, depends = check_shards(
            lambda shard: run_rules(source, facts, program, config, shard), shards)
    return FileResult(source.path, finish(found, program), depends)


def run_rules(
    source: SourceFile, facts: ModuleFacts, program: Program, config: LintConfig,
    shard: Shard | None,
) -> tuple[list[Diagnostic], dict[str, str]]:
    """What every rule finds in ``shard`` of the module (all of it when None), and the
    files read to find it."""
    from flowplan.lint.context import FileContext
    from flowplan.lint.registry import all_rules

    ctx = FileContext(source, facts, program, config, shard=shard)
    found: list[Diagnostic] = []
    for rule in all_rules():
        try:
            found += deeply(rule.check, ctx)
        except Exception as exc:  # a bug in a rule must not hide the other rules' findings
            found.append(internal_error(source.path, rule.name, exc))
    return found, program.dependencies()


def internal_error(path: str, rule: str, exc: BaseException) -> Diagnostic:
    where = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
    at = f" ({Path(where.filename).name}:{where.lineno})" if where else ""
    return internal.rule_crashed(rule, exc, at, path)


def finish(found: list[Diagnostic], program: Program) -> list[Diagnostic]:
    """Deduplicated, sorted, and without those a ``# noqa`` silences."""
    unique = list(dict.fromkeys(found))
    return sorted(unsilenced(unique, lambda p: lines_of(p, program)), key=Diagnostic.sort_key)


def lines_of(path: str, program: Program) -> list[str]:
    source = program.source(Path(path)) if path.endswith(".py") else None
    if isinstance(source, SourceFile):
        return source.lines
    try:
        return Path(path).read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return []
