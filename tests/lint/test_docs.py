"""docs/rules.md is generated from the registry; rule metadata agrees with the catalog."""

from __future__ import annotations

import pytest

from flowplan.codes import CATALOG
from flowplan.lint.docs import rules_markdown
from flowplan.lint.registry import all_rules, rule_for
from tests.conftest import ROOT


def test_rules_md_is_generated_from_the_registry() -> None:
    text = (ROOT / "docs" / "rules.md").read_text()
    assert text == rules_markdown(), "run: python -m flowplan.lint.docs > docs/rules.md"


def test_each_code_belongs_to_exactly_one_rule() -> None:
    codes = [c for rule in all_rules() for c in rule.codes]
    assert len(codes) == len(set(codes))
    assert set(codes) <= set(CATALOG)


@pytest.mark.parametrize("rule", all_rules(), ids=lambda r: r.name)
def test_rule_metadata(rule: object) -> None:
    from flowplan.lint.registry import Rule

    assert isinstance(rule, Rule)
    assert rule.rationale.strip() and rule.summary
    assert rule.module.startswith("flowplan.lint.rules.")
    if len(rule.codes) == 1:  # a one-code rule is named and summarised like its code
        assert (rule.name, rule.summary) == (CATALOG[rule.codes[0]].name,
                                             CATALOG[rule.codes[0]].summary)
    assert all(rule_for(code) is rule for code in rule.codes)


def test_rule_modules_are_small() -> None:
    for rule in all_rules():
        path = ROOT / "src" / (rule.module.replace(".", "/") + ".py")
        assert len(path.read_text().splitlines()) <= 160, path
