"""``flow check`` over fixtures/lint: every problem exactly where its ``# expect:`` marker
says, and the whole output (text and JSON) equal to the golden files."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from flowplan.diagnostics import Diagnostic
from flowplan.lint.config import load_config
from flowplan.lint.formats import as_json, as_text
from flowplan.lint.registry import all_rules
from flowplan.lint.runner import Report, check_paths
from tests.conftest import FIXTURES, ROOT

LINT = FIXTURES / "lint"
GOLDEN = Path(__file__).parent / "golden"
MARKER = re.compile(r"#\s*expect:(.*)$")
TOKEN = re.compile(r"\b(FP\d{3})(?::(\d+))?")
# YAML that neither code nor a `run-configs` glob names: left alone even when named
NAMED = [LINT / "good" / "azure-pipelines.yml", LINT / "good" / "deploy" / "deployment.yaml"]


def markers() -> set[tuple[str, str, int, int | None]]:
    found = set()
    for path in sorted(LINT.rglob("*")):
        if path.suffix not in (".py", ".yaml", ".yml", ".toml") or "excluded" in path.parts:
            continue
        text = path.read_bytes().decode("utf-8", "replace")
        for number, line in enumerate(text.splitlines(), start=1):
            match = MARKER.search(line)
            for code, column in TOKEN.findall(match.group(1)) if match else []:
                rel = path.relative_to(ROOT).as_posix()
                found.add((rel, code, number, int(column) if column else None))
    return found


@pytest.fixture(scope="module")
def report() -> Report:
    mp = pytest.MonkeyPatch()
    mp.chdir(ROOT)
    try:
        config = load_config(LINT)
        return check_paths([str(LINT), *map(str, NAMED)], config, use_cache=False, jobs=1)
    finally:
        mp.undo()


def located(d: Diagnostic) -> tuple[str, str, int | None, int | None]:
    return (Path(d.path or "").resolve().relative_to(ROOT).as_posix(), d.code, d.line, d.column)


def test_every_problem_is_where_its_marker_says(report: Report) -> None:
    assert {located(d) for d in report.diagnostics} == markers()


def test_good_and_excluded_files_report_nothing(report: Report) -> None:
    paths = {located(d)[0] for d in report.diagnostics}
    assert not [p for p in paths if "/good/" in p or "/excluded/" in p or "unrelated" in p]


def test_every_rule_code_has_a_fixture(report: Report) -> None:
    codes = {d.code for d in report.diagnostics}
    assert {c for rule in all_rules() for c in rule.codes} <= codes


def _compare(name: str, text: str, update: bool) -> None:
    golden = GOLDEN / name
    if update:
        golden.parent.mkdir(exist_ok=True)
        golden.write_text(text)
    assert golden.read_text() == text, f"differs from {golden}; review, then --update-goldens"


def test_text_output_matches_the_golden_file(
    report: Report, update_goldens: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    _compare("check.txt", as_text(report.diagnostics, report.files) + "\n", update_goldens)


def test_json_output_matches_the_golden_file(
    report: Report, update_goldens: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    text = as_json(report.diagnostics)
    assert [d["code"] for d in json.loads(text)] == [d.code for d in report.diagnostics]
    _compare("check.json", text + "\n", update_goldens)


def test_a_module_that_raises_on_import_is_checked_without_running(tmp_path: Path) -> None:
    source = (LINT / "bad" / "raises_on_import.py").read_text()
    target = tmp_path / "project" / "raises_on_import.py"
    target.parent.mkdir()
    target.write_text(source)
    (tmp_path / "project" / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    config = load_config(target.parent)
    found = check_paths([str(target)], config, use_cache=False, jobs=1).diagnostics
    assert [(d.code, d.line) for d in found] == [("FP204", 19)]
    assert not target.with_suffix(".imported").exists()
    assert not (LINT / "bad" / "raises_on_import.imported").exists()
