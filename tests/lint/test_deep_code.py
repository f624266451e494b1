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
DEEP = f"""from typing import Tuple

from flowplan import pipeline, step

@step
def total(x: int) -> Tuple[int, int]:
    if x:
        return {TERMS}
    return x, x

@pipeline
def training() -> None:
    total(x=1)
"""


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
