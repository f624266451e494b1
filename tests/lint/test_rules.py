"""Every rule's VALID and INVALID examples are its tests: an INVALID example reports exactly
its ``# expect:`` markers, a VALID one nothing at all."""

from __future__ import annotations

from pathlib import Path

import pytest

from flowplan.codes import CATALOG
from flowplan.lint.registry import Rule, all_rules, example_files, expected
from tests.lint.helpers import check_project, located, write_project

RULES = all_rules()


def _cases(kind: str) -> list[tuple[str, int]]:
    return [(rule.name, i) for rule in RULES for i in range(len(getattr(rule, kind)))]


def rule_named(name: str) -> Rule:
    return next(r for r in RULES if r.name == name)


@pytest.mark.parametrize(("rule", "index"), _cases("invalid"))
def test_invalid_example_reports_exactly_its_markers(rule: str, index: int, tmp_path: Path) -> None:
    files = example_files(rule_named(rule).invalid[index])
    root = write_project(tmp_path / "project", files)
    found = check_project(root)
    assert located(found, root) == expected(files), "\n".join(d.format() for d in found)
    for d in found:
        assert d.severity is CATALOG[d.code].severity
        assert d.fix, f"no fix hint: {d.format()}"


@pytest.mark.parametrize(("rule", "index"), _cases("valid"))
def test_valid_example_reports_nothing(rule: str, index: int, tmp_path: Path) -> None:
    files = example_files(rule_named(rule).valid[index])
    root = write_project(tmp_path / "project", files)
    found = check_project(root)
    assert found == [], "\n".join(d.format() for d in found)


@pytest.mark.parametrize("rule", [r.name for r in RULES])
def test_every_code_of_a_rule_has_an_invalid_example(rule: str) -> None:
    covered = {code for ex in rule_named(rule).invalid for _, code, _, _ in
               expected(example_files(ex))}
    assert covered == set(rule_named(rule).codes)
    assert rule_named(rule).valid, "a rule needs a VALID example too"
