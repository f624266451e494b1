"""The code catalog, its documentation and the source agree.

Every code in ``flowplan.codes.CATALOG`` has a ``## FPxxx name`` section in
``docs/diagnostics.md`` with the fixed sub-sections, and is raised somewhere in ``src/`` --
except the lint-only FP8xx codes, which appear once the linter's rules land.
"""

from __future__ import annotations

import re
from functools import cache

import pytest

from flowplan.codes import CATALOG
from tests.conftest import ROOT

DOCS = ROOT / "docs" / "diagnostics.md"
SOURCE = ROOT / "src" / "flowplan"
HEADING = re.compile(r"^## (FP\d{3}) (\S+)$", re.MULTILINE)
LINT_ONLY = re.compile(r"FP8\d\d")
QUOTED = re.compile(r"[\"'](FP\d{3})[\"']")


@cache
def sections() -> dict[str, tuple[str, str]]:
    """``code -> (name, body)`` for each ``## FPxxx name`` section of the docs."""
    text = DOCS.read_text(encoding="utf-8")
    found: dict[str, tuple[str, str]] = {}
    matches = list(HEADING.finditer(text))
    for match, following in zip(matches, [*matches[1:], None], strict=True):
        end = following.start() if following else len(text)
        code = match.group(1)
        assert code not in found, f"{code} is documented twice"
        found[code] = (match.group(2), text[match.end() : end])
    return found


@cache
def raised_codes() -> frozenset[str]:
    """Every ``"FPxxx"`` string literal in ``src/flowplan`` outside the catalog itself."""
    files = [p for p in SOURCE.rglob("*.py") if p.name != "codes.py"]
    return frozenset(c for p in files for c in QUOTED.findall(p.read_text(encoding="utf-8")))


def test_every_code_is_documented_and_nothing_else() -> None:
    assert set(sections()) == set(CATALOG)


def test_headings_follow_catalog_order() -> None:
    assert list(sections()) == list(CATALOG)


@pytest.mark.parametrize("code", sorted(CATALOG))
def test_section_names_the_code_and_has_the_fixed_parts(code: str) -> None:
    name, body = sections()[code]
    assert name == CATALOG[code].name
    meaning = body.strip().split("\n\n", 1)[0]
    assert not meaning.startswith(("**", "```")), f"{code}: no explanation before the example"
    severity = CATALOG[code].severity.value.capitalize()
    assert meaning.startswith(severity), f"{code}: explanation should start with {severity!r}"
    assert "\n**Example**\n" in body, f"{code}: no **Example**"
    assert "\n**Fix**\n" in body, f"{code}: no **Fix**"
    assert body.index("**Example**") < body.index("**Fix**")


@pytest.mark.parametrize("code", sorted(CATALOG))
def test_code_is_raised_somewhere_in_the_source(code: str) -> None:
    if LINT_ONLY.fullmatch(code):
        assert "from `flow check` only" in sections()[code][1], f"{code}: say it is lint-only"
        if code not in raised_codes():
            pytest.skip(f"{code} is reserved for the linter, which has not landed yet")
    assert code in raised_codes(), f"{code} is in the catalog but nothing in src/ raises it"
