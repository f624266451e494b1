"""Same code, same message: ``flow check`` on each ``fixtures/bad`` file reports what
importing and compiling it reports -- never anything else, and everything except what lies
outside the static subset."""

from __future__ import annotations

from pathlib import Path

import pytest

from flowplan.lint.config import LintConfig
from flowplan.lint.runner import check_paths, with_columns
from tests.compiler.test_diagnostics import BAD, FIXTURE_ENV, collect
from tests.conftest import ROOT, load_fixture

# What only running code can see, by fixture: why flow check cannot report it.
OUTSIDE_THE_STATIC_SUBSET = {
    "fp107_source_unavailable.py": "the step is built by exec() from a string",
    "fp131_materializer_count.py": "the steps are defined inside functions flow check never runs",
    "fp132_invalid_timeout.py": "the steps are defined inside functions flow check never runs",
    "fp109_not_a_function.py": "step(functools.partial(...)) is a call, not a decorator",
    "fp113_uncacheable_closure.py": "the closure's value exists only at run time",
    "fp211_foreign_artifact.py": "an artifact smuggled between pipelines through a global",
    "fp213_pipeline_arguments.py": "arguments passed by calling .compile() inside functions",
    "fp230_empty_pipeline.py": "a step call on a branch the launch's arguments skip (flow check "
                               "reports only a body with no call at all)",
    "fp301_non_json_parameter.py": "object() and complex() values are made by running code",
    "fp306_parameter_type.py": "a value passed by calling .compile() inside a function",
    "fp316_parameter_conflict.py": "parameters= given by with_options inside a function",
}

Found = tuple[str, int | None, int | None, str]


def traced(fixture: str, monkeypatch: pytest.MonkeyPatch) -> set[Found]:
    for name, value in FIXTURE_ENV.get(fixture, {}).items():
        monkeypatch.setenv(name, value)
    # flow check gives a diagnostic located by line only the column of the line's code
    found = with_columns(collect(load_fixture(f"bad/{fixture}")))
    return {(d.code, d.line, d.column, d.message) for d in found}


def static(path: Path, enforce: bool) -> set[Found]:
    config = LintConfig(root=ROOT, enforce_annotations=enforce)
    report = check_paths([str(path)], config, use_cache=False, jobs=1)
    return {(d.code, d.line, d.column, d.message) for d in report.diagnostics
            if not d.code.startswith("FP8")}


@pytest.mark.parametrize("fixture", sorted(p.name for p in BAD.glob("fp*.py")))
def test_flow_check_reports_what_a_run_reports(
    fixture: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = traced(fixture, monkeypatch)
    lint = static(BAD / fixture, enforce=fixture in FIXTURE_ENV)
    assert lint <= run, f"flow check only: {sorted(lint - run, key=str)}"
    if fixture not in OUTSIDE_THE_STATIC_SUBSET:
        assert lint == run, f"a run only: {sorted(run - lint, key=str)}"
    else:
        assert lint != run
