"""No input makes ``flow check`` abort or report an internal error: modules that
hypothesmith generates from Python's grammar, with decorated steps and a pipeline spliced in
(tests/strategies.py), each checked in either spelling.  Bounded to run in seconds."""

from __future__ import annotations

import tempfile
import warnings
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings

from flowplan.lint.config import LintConfig
from flowplan.lint.runner import check_paths
from tests.strategies import modules_with_steps


def compiles(text: str) -> bool:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            compile(text, "pipes.py", "exec", dont_inherit=True)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return False
    return True


@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
@given(modules_with_steps())
@example(
    text='\nimport typing\nfrom typing import Annotated, Any, Dict, List, Optional, Tuple, Union\nfrom typing import Tuple as T\n\nfrom flowplan import pipeline, step\n\n\n@step\ndef first(x: int = 1) -> "Annotated[int]":\n    pass\n    return x\n\n\n@step\ndef second(a: int, b: int = 1) -> "Annotated[int]":\n    return a, b\n\n\n@pipeline\ndef spliced() -> None:\n    pass\n    out = first()\n    second(out)\n    second(first(x=1, id="again"), b=out)\n',
).via('discovered failure')
def test_flow_check_never_crashes_on_valid_python(text: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder).resolve()
        (root / "pyproject.toml").write_text("[project]\nname = 'fuzz'\n")
        (root / "pipes.py").write_text(text)
        report = check_paths([str(root)], LintConfig(root=root), use_cache=False, jobs=1)
    internal = [d.format() for d in report.diagnostics if d.code.startswith("FP9")]
    assert not internal, "\n".join(internal)
    if compiles(text):
        assert not [d for d in report.diagnostics if d.code == "FP001"], text
    assert all(d.line and d.column for d in report.diagnostics)
