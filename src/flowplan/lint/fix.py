"""``flow check --fix``: the safe fixes of the rules that have one, applied with libcst so the
file keeps its formatting and comments."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

from flowplan.diagnostics import Diagnostic
from flowplan.lint.registry import all_rules


def apply_fixes(diagnostics: Sequence[Diagnostic]) -> int:
    """Fix what can be fixed in place; the number of diagnostics fixed."""
    import libcst as cst

    fixers = {code: rule for rule in all_rules() if rule.fix is not None for code in rule.codes}
    by_file: dict[str, list[Diagnostic]] = defaultdict(list)
    for d in diagnostics:
        if d.code in fixers and d.path and d.path.endswith(".py"):
            by_file[d.path].append(d)
    fixed = 0
    for path, found in sorted(by_file.items()):
        file = Path(path)
        try:
            data = file.read_bytes()
            module = cst.parse_module(data)
        except (OSError, cst.ParserSyntaxError):
            continue
        updated = module
        for rule in {fixers[d.code] for d in found}:
            assert rule.fix is not None
            updated = rule.fix(updated, [d for d in found if d.code in rule.codes])
        if updated.code != module.code:
            file.write_bytes(updated.bytes)
            fixed += len(found)
    return fixed
