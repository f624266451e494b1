"""Deeply nested code (a few hundred ``+`` terms) exhausts the stack of libcst's recursive
walks: it is read again on a large stack and still gets its real diagnostic, in ``flow
check`` and in ``flow compile``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.lint.helpers import check_project, located, write_project

TERMS = " + ".join(["x"] * 440)
TEMPLATE = """from typing import Tuple

from flowplan import pipeline, step

@step
def total(x: int) -> Tuple[int, int]:
    if x:
        return {terms}
    return x, x

@pipeline
def training() -> None:
    total(x=1)
"""
DEEP = TEMPLATE.format(terms=TERMS)


def test_flow_check_reports_the_real_problem_of_deep_code(tmp_path: Path) -> None:
    root = write_project(tmp_path / "project", {"pipes.py": DEEP})
    found = {(code, line) for _, code, line, _ in located(check_project(root), root)}
    assert found == {("FP104", 9)}


@pytest.mark.slow
def test_flow_compile_gives_the_same_diagnostic_and_no_traceback(tmp_path: Path) -> None:
    (tmp_path / "pipes.py").write_text(DEEP)
    flow = Path(sys.executable).parent / "flow"
    done = subprocess.run([str(flow), "compile", "pipes.py:training"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode != 0
    assert "FP104" in done.stderr + done.stdout
    assert "Traceback" not in done.stderr + done.stdout


@pytest.mark.slow
@pytest.mark.parametrize("spelling", ["flowplan", "zenml"])
def test_a_step_of_1500_terms_still_gets_its_real_diagnostic(tmp_path: Path, spelling: str
                                                             ) -> None:
    text = TEMPLATE.format(terms=" + ".join(["x"] * 1500)).replace("flowplan", spelling)
    root = write_project(tmp_path / "project", {"pipes.py": text})
    found = {(code, line) for _, code, line, _ in located(check_project(root), root)}
    assert found == {("FP104", 9)}


@pytest.mark.slow
def test_code_python_cannot_compile_is_fp001_in_check_and_compile(tmp_path: Path) -> None:
    text = TEMPLATE.format(terms=" + ".join(["x"] * 6000))  # past CPython's own limit
    root = write_project(tmp_path / "project", {"pipes.py": text})
    assert [(d.code, d.line, d.column) for d in check_project(root)] == [("FP001", 1, 1)]
    flow = Path(sys.executable).parent / "flow"
    done = subprocess.run([str(flow), "compile", "pipes.py:training"], cwd=root,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 1
    assert "FP001 syntax error: an expression is nested too deeply" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout


def test_a_syntax_error_is_fp001_in_flow_compile_not_a_traceback(tmp_path: Path) -> None:
    (tmp_path / "pipes.py").write_text("from flowplan import pipeline\n\n@pipeline\n"
                                       "def training(:\n    pass\n")
    flow = Path(sys.executable).parent / "flow"
    done = subprocess.run([str(flow), "compile", "pipes.py:training"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 1
    assert "pipes.py:4:14: FP001 syntax error" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout
