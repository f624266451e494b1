"""``flow check``, ``flow rules`` and ``flow rule`` through the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from flowplan.cli import main
from flowplan.codes import CATALOG
from flowplan.lint.registry import all_rules
from tests.lint.helpers import write_project

CLEAN = """
from flowplan import pipeline, step

@step
def load() -> int:
    return 1

@pipeline
def clean() -> None:
    load()
""".lstrip()
WARNING = CLEAN.replace("    load()", "    load(step_name='first')  # keep this comment")
ERROR = CLEAN.replace("    load()", "    load(nope=1)")


def flow(*args: str, cwd: Path | None = None, monkeypatch: pytest.MonkeyPatch | None = None
         ) -> Result:
    if cwd is not None and monkeypatch is not None:
        monkeypatch.chdir(cwd)
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def project(tmp_path: Path, text: str, **more: str) -> Path:
    return write_project(tmp_path / "project", {"pipes.py": text, **more})


def test_clean_project_exits_0_with_a_summary(tmp_path: Path) -> None:
    result = flow("check", str(project(tmp_path, CLEAN)))
    assert result.exit_code == 0
    assert result.output.strip() == "All checks passed (1 file checked)."


def test_warnings_exit_0_unless_strict(tmp_path: Path) -> None:
    root = project(tmp_path, WARNING)
    result = flow("check", str(root))
    assert result.exit_code == 0
    assert "pipes.py:9:10: FP801 `step_name=` sets the id" in result.output
    assert result.output.splitlines()[-1].startswith("Found 1 problem (0 errors, 1 warning")
    assert flow("check", "--strict", str(root)).exit_code == 1


def test_errors_exit_1_and_missing_paths_exit_2(tmp_path: Path) -> None:
    root = project(tmp_path, ERROR)
    result = flow("check", str(root))
    assert result.exit_code == 1
    assert "FP208 step `load` has no input `nope`" in result.output
    assert flow("check", str(root / "nowhere.py")).exit_code == 2


def test_default_path_is_the_project_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = project(tmp_path, ERROR, **{"sub/inner.py": "x = 1\n"})
    result = flow("check", cwd=root / "sub", monkeypatch=monkeypatch)
    assert result.exit_code == 1
    assert "../pipes.py:9:5: FP208" in result.output


def test_json_format(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = project(tmp_path, ERROR)
    result = flow("check", "--format", "json", ".", cwd=root, monkeypatch=monkeypatch)
    [record] = json.loads(result.output)
    assert set(record) == {"code", "severity", "message", "path", "line", "column",
                           "end_line", "end_column", "fix"}
    assert (record["code"], record["severity"], record["path"], record["line"]) == (
        "FP208", "error", "pipes.py", 9)


def test_sarif_format(tmp_path: Path) -> None:
    result = flow("check", "--format", "sarif", str(project(tmp_path, ERROR)))
    sarif = json.loads(result.output)
    assert sarif["version"] == "2.1.0"
    [run] = sarif["runs"]
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == ["FP208"]
    [found] = run["results"]
    assert found["ruleId"] == "FP208" and found["level"] == "error"
    region = found["locations"][0]["physicalLocation"]["region"]
    assert (region["startLine"], region["startColumn"]) == (9, 5)


def test_github_format(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = project(tmp_path, WARNING)
    result = flow("check", "--format", "github", cwd=root, monkeypatch=monkeypatch)
    assert result.output.startswith("::warning file=pipes.py,line=9,col=10,")
    assert "::FP801 `step_name=` sets the id" in result.output


def test_select_and_ignore_take_code_prefixes(tmp_path: Path) -> None:
    root = project(tmp_path, ERROR.replace("load(nope=1)", "load(nope=1, step_name='x')"))
    assert "FP801" not in flow("check", "--select", "FP2", str(root)).output
    ignored = flow("check", "--ignore", "FP208,FP8", str(root))
    assert ignored.exit_code == 0
    assert "FP208" not in ignored.output and "FP801" not in ignored.output


def test_pyproject_settings_select_ignore_and_exclude(tmp_path: Path) -> None:
    settings = '[tool.flowplan]\nignore = ["FP801"]\nexclude = ["generated"]\n'
    root = project(tmp_path, WARNING, **{"pyproject.toml": settings,
                                         "generated/bad.py": ERROR})
    result = flow("check", str(root))
    assert result.exit_code == 0, result.output
    assert "All checks passed (1 file checked)." in result.output


def test_snake_case_settings_are_accepted(tmp_path: Path) -> None:
    settings = "[tool.flowplan]\nenforce_type_annotations = true\n"
    text = CLEAN.replace("def load() -> int:", "def load(x=1):")
    result = flow("check", str(project(tmp_path, text, **{"pyproject.toml": settings})))
    assert result.output.count("FP101") == 2


def test_fix_rewrites_step_name_and_keeps_the_rest(tmp_path: Path) -> None:
    root = project(tmp_path, WARNING)
    result = flow("check", "--fix", str(root))
    assert result.exit_code == 0
    assert "All checks passed (1 file checked, 1 fixed)." in result.output
    text = (root / "pipes.py").read_text()
    assert "    load(id='first')  # keep this comment" in text
    assert text == WARNING.replace("step_name=", "id=")


def test_rules_lists_every_code_flow_check_reports() -> None:
    output = flow("rules").output
    codes = {line.split()[0] for line in output.splitlines()}
    assert codes == {c for rule in all_rules() for c in rule.codes}
    assert codes >= {c for c in CATALOG if c.startswith("FP8")}


def test_rule_explains_one_code_with_its_examples() -> None:
    output = flow("rule", "FP204").output
    assert output.startswith("FP204 artifact-as-value (error): ")
    for section in ("\nExample:\n", "\nFix:\n", "\nWhy it matters:\n"):
        assert section in output
    assert "# expect" not in output and "src/" not in output  # no test markers, no paths
    assert flow("rule", "FP999").exit_code == 2


def test_a_yaml_file_named_alone_is_checked_against_its_pipeline(tmp_path: Path) -> None:
    pipes = CLEAN.replace("@pipeline\n", '@pipeline(config_path="run.yaml")\n')
    root = project(tmp_path, pipes, **{"run.yaml": "steps:\n  lod: {}\n",
                                       ".pre-commit-config.yaml": "repos: []\n"})
    result = flow("check", str(root / "run.yaml"), str(root / ".pre-commit-config.yaml"))
    assert result.exit_code == 1
    assert "run.yaml:2:3: FP006 `steps.lod`: pipeline `clean` has no step with id `lod`" in (
        result.output)
    other = root / ".pre-commit-config.yaml"
    assert f"{other}:" not in result.output  # not a run configuration: not checked, and
    assert f"note: {other} is not a run configuration" in result.output  # said so once
    assert result.output.count("not a run configuration") == 1


def test_a_yaml_file_named_alone_that_is_not_a_run_configuration_is_said_unchecked(
    tmp_path: Path,
) -> None:
    root = project(tmp_path, CLEAN, **{"azure-pipelines.yml": "trigger: [main]\nsteps: []\n"})
    result = flow("check", str(root / "azure-pipelines.yml"))
    assert result.exit_code == 0
    assert "is not a run configuration" in result.output and "0 files checked" in result.output
