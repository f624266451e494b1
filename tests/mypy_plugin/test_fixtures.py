"""The mypy plugin against fixtures in mypy's test-data style.

Each file of ``fixtures/mypy/`` carries the errors and notes mypy must report written on
their lines (``# E: message  [code]``, ``# N: message``); the files are checked through
``mypy.api`` with ``plugins = flowplan.mypy`` under ``--strict`` and the whole output is
compared exactly -- the reference documents' examples (``seed_*.py``) carry no mark, so
they must give no error at all.  Each run checks the files in both spellings: as written
(``from flowplan import ...``) and rewritten to ``from zenml import ...`` with flowplan's
ZenML-spelling stubs on ``mypy_path``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from flowplan.mypy import stubs_path

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "fixtures" / "mypy"
SEEDS = ROOT / "fixtures" / "seeds"
MARK = re.compile(r"#\s*([EN]):\s*(.*?)(?=\s+#\s*[EN]:|$)")
ZENML_SPELLING = [
    ("from flowplan.config.retry_config import", "from zenml.config.retry_config import"),
    ("from flowplan.client import", "from zenml.client import"),
    ("from flowplan.enums import", "from zenml.enums import"),
    ("from flowplan.hooks import", "from zenml.hooks import"),
    ("from flowplan import", "from zenml import"),
]

pytestmark = pytest.mark.slow  # each test is one mypy run over flowplan and the stdlib


def expected_output(path: Path) -> list[str]:
    """``path:line: error|note: message`` for every mark of the file, in order."""
    lines = []
    for number, text in enumerate(path.read_text().splitlines(), start=1):
        for kind, message in MARK.findall(text):
            lines.append(f"{path}:{number}: {'error' if kind == 'E' else 'note'}: {message}")
    return lines


def run_mypy(files: list[Path], tmp_path: Path, *, strict: bool) -> list[str]:
    from mypy import api

    config = tmp_path / "mypy.ini"
    config.write_text(
        "[mypy]\nplugins = flowplan.mypy\n"
        f"strict = {strict}\nmypy_path = {stubs_path()}\n"
    )
    stdout, stderr, _ = api.run([
        "--config-file", str(config), "--cache-dir", str(tmp_path / "mypy-cache"),
        "--no-error-summary", "--no-pretty", "--show-traceback", "--show-absolute-path",
        *map(str, files),
    ])
    assert "Traceback" not in stdout + stderr, stdout + stderr
    # mypy 1.x shows builtins as ``builtins.int`` in revealed types, 2.x as ``int``.
    return [line.replace("builtins.", "") for line in stdout.splitlines()]


def by_file(lines: list[str], files: list[Path]) -> dict[Path, list[str]]:
    grouped: dict[Path, list[str]] = {path: [] for path in files}
    for line in lines:
        path = Path(line.split(":", 1)[0])
        grouped.setdefault(path, []).append(line)
    return grouped


def zenml_spelled(path: Path, folder: Path) -> Path:
    text = path.read_text()
    for old, new in ZENML_SPELLING:
        text = text.replace(old, new)
    assert "from flowplan" not in text and "import flowplan" not in text, path
    copy = folder / f"zenml_{path.name}"
    copy.write_text(text)
    return copy


def test_fixtures_cover_every_kind_of_mark() -> None:
    marks = [line for path in FIXTURES.glob("*.py") for line in expected_output(path)]
    for code in ("FP205", "FP206", "FP207", "FP208", "FP209", "FP210", "FP212", "Revealed"):
        assert any(code in line for line in marks), code
    assert sorted(p.name for p in FIXTURES.glob("seed_*.py")) == [
        "seed_advanced_features.py", "seed_dynamic_fanout.py", "seed_steps_and_pipelines.py"
    ]


@pytest.mark.parametrize("spelling", ["flowplan", "zenml"])
def test_fixtures_report_exactly_their_marks(spelling: str, tmp_path: Path) -> None:
    files = sorted(FIXTURES.glob("*.py"))
    if spelling == "zenml":
        folder = tmp_path / "zenml_spelling"
        folder.mkdir()
        files = [zenml_spelled(path, folder) for path in files]
    actual = by_file(run_mypy(files, tmp_path, strict=True), files)
    differences = {
        path.name: {
            "missing": sorted(set(expected_output(path)) - set(actual[path])),
            "unexpected": sorted(set(actual[path]) - set(expected_output(path))),
        }
        for path in files
        if sorted(expected_output(path)) != sorted(actual[path])
    }
    assert not differences, differences
    assert set(actual) == set(files)  # nothing reported anywhere else


def test_reference_documents_as_written(tmp_path: Path) -> None:
    """The runnable copies of the reference documents' examples, unannotated as they are
    written, checked with mypy's default options: the plugin adds no error.  The one error
    is the document's own code: a variable first bound to a pair, then to a triple."""
    files = sorted(SEEDS.glob("*.py"))
    lines = run_mypy(files, tmp_path, strict=False)
    assert lines == [
        f"{SEEDS / 'advanced.py'}:62: error: Incompatible types in assignment (expression has "
        'type "tuple[int, int, int]", variable has type "tuple[int, int]")  [assignment]'
    ]
