"""The one-line and long forms of representative diagnostics, against a golden file.

Refresh with ``pytest tests/test_diagnostics_render.py --update-goldens`` and review the diff.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from flowplan.diagnostics import CompileError, Diagnostic
from tests.conftest import ROOT, load_fixture

GOLDEN = ROOT / "tests" / "golden" / "diagnostics.txt"
HEADER = "# Rendered diagnostics; refresh with `pytest --update-goldens`, then review the diff.\n"

# (fixture, pipeline): an analyzer finding with a span, a traced misuse with `why:`, and a
# wiring problem with a did-you-mean fix.
CASES = [
    ("bad/fp103_tuple_arity_mismatch.py", "arity_pipeline"),
    ("bad/fp204_artifact_as_value.py", "condition_pipeline"),
    ("bad/fp208_unknown_argument.py", "typo_pipeline"),
]


def reported(fixture: str, pipeline: str) -> Diagnostic:
    with pytest.raises(CompileError) as info:
        getattr(load_fixture(fixture), pipeline).compile()
    (diagnostic,) = info.value.diagnostics
    return diagnostic


def relative(text: str) -> str:
    return text.replace(f"{ROOT}/", "")


def render_all() -> str:
    diagnostics = sorted((reported(*case) for case in CASES), key=Diagnostic.sort_key)
    one_line = [relative(d.format()) for d in diagnostics]
    long_form = [relative(d.render()) for d in diagnostics]
    return HEADER + "\n".join(one_line) + "\n\n" + "\n\n".join(long_form) + "\n"


def test_rendered_diagnostics_match_the_golden_file(update_goldens: bool) -> None:
    text = render_all()
    assert str(ROOT) not in text
    if update_goldens:
        GOLDEN.write_text(text)
    assert GOLDEN.exists(), "no golden file yet: run pytest --update-goldens"
    assert text == Path(GOLDEN).read_text()
